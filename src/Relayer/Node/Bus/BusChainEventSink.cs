using DiscreteExec.Core.Chains;
using MassTransit;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The watchers' sink: sends (never publishes) every message of a batch to this node's aggregator queue and returns
/// only when the transport took all of them (on RabbitMQ: publisher confirms of persistent messages), so the watcher
/// may then checkpoint past the batch.
/// </summary>
internal sealed class BusChainEventSink(ISendEndpointProvider sendEndpoints, IOptions<BusOptions> options) : IChainEventSink
{
    private readonly Uri _aggregatorQueue = new($"queue:{options.Value.AggregatorQueue}");

    public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var foreign = batch.Observed.FirstOrDefault(o => o.Intent.OriginChainId != batch.ChainId)?.Intent.IntentId.ToString()
            ?? batch.Retracted.FirstOrDefault(r => r.ChainId != batch.ChainId)?.IntentId.ToString();
        if (foreign is not null)
        {
            throw new ArgumentException($"The batch of chain {batch.ChainId} holds intent {foreign} of another chain.", nameof(batch));
        }

        var endpoint = await sendEndpoints.GetSendEndpoint(_aggregatorQueue).ConfigureAwait(false);
        // All in flight at once: one round trip of confirms per batch instead of one per message.
        var sends = new List<Task>(batch.Observed.Count + batch.Retracted.Count);
        sends.AddRange(batch.Observed.Select(observed => endpoint.Send(observed, cancellationToken)));
        sends.AddRange(batch.Retracted.Select(retracted => endpoint.Send(retracted, cancellationToken)));
        await Task.WhenAll(sends).ConfigureAwait(false);
    }
}
