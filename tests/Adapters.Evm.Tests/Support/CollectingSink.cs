using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>Keeps every batch a watcher delivers.</summary>
public sealed class CollectingSink : IChainEventSink
{
    private readonly Lock _gate = new();

    public List<IntentObserved> Observed { get; } = [];

    public List<IntentRetracted> Retracted { get; } = [];

    public List<ChainEventBatch> Batches { get; } = [];

    public Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Batches.Add(batch);
            Observed.AddRange(batch.Observed);
            Retracted.AddRange(batch.Retracted);
        }

        return Task.CompletedTask;
    }
}
