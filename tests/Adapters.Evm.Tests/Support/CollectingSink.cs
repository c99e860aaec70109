using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>Keeps every batch a watcher delivers; a test can await a number of observed intents.</summary>
public sealed class CollectingSink : IChainEventSink
{
    private readonly Lock _gate = new();
    private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];

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
            foreach (var waiter in _waiters.Where(w => w.Count <= Observed.Count).ToArray())
            {
                waiter.Reached.TrySetResult();
                _waiters.Remove(waiter);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Completes once at least <paramref name="count"/> intents were observed.</summary>
    public Task WhenObservedAsync(int count)
    {
        lock (_gate)
        {
            if (Observed.Count >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, reached));
            return reached.Task;
        }
    }
}
