using System.Security.Cryptography;
using System.Text;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// Appends an integrator event to the event log (the durable record, kept once per event id, awaited), then publishes
/// it on the bus under its own type (integrators bind to its exchange, or to <see cref="IIntegratorEvent"/>'s for all
/// of them) without waiting for the broker's confirm: the bus copy is best-effort (the log is what an integrator
/// replays from), so a consumer does not hold its message for a second confirm round trip. A failed publish is logged.
/// The bus message id is derived from the event id, so a second publish of one event carries the same id.
/// </summary>
internal sealed class IntegratorEventPublisher(IEventLog eventLog, IPublishEndpoint bus, ILogger<IntegratorEventPublisher>? logger = null) : IIntegratorEventPublisher
{
    private readonly ILogger _logger = logger ?? NullLogger<IntegratorEventPublisher>.Instance;

    public async Task PublishAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvent);
        await eventLog.AppendAsync(integratorEvent, cancellationToken).ConfigureAwait(false);
        PublishOnBus(integratorEvent);
    }

    /// <summary>Logs every event first (one round trip on the node's store), then puts each on the bus.</summary>
    public async Task PublishManyAsync(IReadOnlyList<IIntegratorEvent> integratorEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvents);
        await eventLog.AppendManyAsync(integratorEvents, cancellationToken).ConfigureAwait(false);
        foreach (var integratorEvent in integratorEvents)
        {
            PublishOnBus(integratorEvent);
        }
    }

    private void PublishOnBus(IIntegratorEvent integratorEvent)
    {
        var messageId = MessageId(integratorEvent.EventId);
        var published = bus.Publish(
            integratorEvent,
            integratorEvent.GetType(),
            Pipe.Execute<PublishContext>(context => context.MessageId = messageId),
            CancellationToken.None);
        _ = published.ContinueWith(
            (task, state) => BusLog.EventPublishFailed(_logger, ((IIntegratorEvent)state!).EventId, task.Exception!.GetBaseException()),
            integratorEvent,
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>The first 16 bytes of SHA-256 of the event id: the same event id, the same message id, on every node.</summary>
    internal static Guid MessageId(string eventId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(eventId), hash);
        return new Guid(hash[..16]);
    }
}
