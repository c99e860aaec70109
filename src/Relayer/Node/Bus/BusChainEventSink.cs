using DiscreteExec.Core.Chains;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>The intake consumer's answer to a sink that asked to hear when a message is stored (in-memory transport only).</summary>
internal sealed record IntakeStored(string MessageType);

/// <summary>
/// The watchers' sink: sends (never publishes) every message of a batch to this node's aggregator queue and returns
/// only when every message is durable, so the watcher may then checkpoint past the batch. On RabbitMQ that is when
/// the broker confirmed every persistent message. In memory a message the transport took dies with the process, so
/// there each message is a request and the sink returns once the consumer stored it and answered
/// (<see cref="IntakeStored"/>); while the store is unreachable the consumer retries and the sink waits, so the watcher
/// does not checkpoint. A malformed message, or a retraction of an intent never observed, is logged by the consumer and goes to
/// the error queue on either transport: it does not hold the watcher back.
/// </summary>
internal sealed class BusChainEventSink(IBus bus, IOptions<BusOptions> options) : IChainEventSink
{
    private readonly Uri _aggregatorQueue = new($"queue:{options.Value.AggregatorQueue}");
    private readonly bool _inMemory = !options.Value.UsesRabbitMq;

    public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var foreign = batch.Observed.FirstOrDefault(o => o.Intent.OriginChainId != batch.ChainId)?.Intent.IntentId.ToString()
            ?? batch.Retracted.FirstOrDefault(r => r.ChainId != batch.ChainId)?.IntentId.ToString();
        if (foreign is not null)
        {
            throw new ArgumentException($"The batch of chain {batch.ChainId} holds intent {foreign} of another chain.", nameof(batch));
        }

        // All in flight at once: one round trip (of confirms, or of answers) per batch instead of one per message.
        var sends = new List<Task>(batch.Observed.Count + batch.Retracted.Count);
        if (_inMemory)
        {
            sends.AddRange(batch.Observed.Select(observed => StoredAsync(observed, cancellationToken)));
            sends.AddRange(batch.Retracted.Select(retracted => StoredAsync(retracted, cancellationToken)));
        }
        else
        {
            var endpoint = await bus.GetSendEndpoint(_aggregatorQueue).ConfigureAwait(false);
            sends.AddRange(batch.Observed.Select(observed => endpoint.Send(observed, cancellationToken)));
            sends.AddRange(batch.Retracted.Select(retracted => endpoint.Send(retracted, cancellationToken)));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    private async Task StoredAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        var client = bus.CreateRequestClient<T>(_aggregatorQueue, RequestTimeout.None);
        try
        {
            await client.GetResponse<IntakeStored>(message, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFaultException ex) when (ex.Fault?.Exceptions.Any(e => e.ExceptionType == typeof(MalformedIntakeMessageException).FullName || e.ExceptionType == typeof(IntentNotYetObservedException).FullName) == true)
        {
            // Logged by the consumer and moved to the error queue, as on RabbitMQ: the watcher goes on.
        }
    }
}
