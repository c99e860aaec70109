using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>Keeps every batch a watcher delivers.</summary>
public sealed class CollectingSink : IEscrowEventSink
{
    private readonly Lock _gate = new();

    public List<IntentObserved> Observed { get; } = [];

    public List<IntentRetracted> Retracted { get; } = [];

    public List<EscrowWatchBatch> Batches { get; } = [];

    public Task HandleAsync(EscrowWatchBatch batch, CancellationToken cancellationToken)
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
