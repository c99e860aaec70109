using System.Security.Cryptography;
using System.Text;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// Appends an integrator event to the event log (the durable record, kept once per event id), then publishes it on
/// the bus under its own type (integrators bind to its exchange, or to <see cref="IIntegratorEvent"/>'s for all of
/// them). The bus message id is derived from the event id, so a second publish of one event carries the same id.
/// </summary>
internal sealed class IntegratorEventPublisher(IEventLog eventLog, IPublishEndpoint bus) : IIntegratorEventPublisher
{
    public async Task PublishAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvent);
        await eventLog.AppendAsync(integratorEvent, cancellationToken).ConfigureAwait(false);
        var messageId = MessageId(integratorEvent.EventId);
        await bus.Publish(
            integratorEvent,
            integratorEvent.GetType(),
            Pipe.Execute<PublishContext>(context => context.MessageId = messageId),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first 16 bytes of SHA-256 of the event id: the same event id, the same message id, on every node.</summary>
    internal static Guid MessageId(string eventId)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(eventId), hash);
        return new Guid(hash[..16]);
    }
}
