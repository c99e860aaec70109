using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.TestSupport;

/// <summary>A watcher sink whose <see cref="Seen"/> completes with the first batch that reports a given intent.</summary>
public sealed class IntentWaitingSink(Bytes32 intentId) : IChainEventSink
{
    public TaskCompletionSource<ChainEventBatch> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Observed.Any(o => o.Intent.IntentId == intentId))
        {
            Seen.TrySetResult(batch);
        }

        return Task.CompletedTask;
    }
}
