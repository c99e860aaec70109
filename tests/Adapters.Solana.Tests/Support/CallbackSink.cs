using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Solana.Tests.Support;

/// <summary>A watcher sink that hands each observed intent of a batch to a callback, in order; a throw refuses the batch.</summary>
internal sealed class CallbackSink(Func<IntentObserved, CancellationToken, ValueTask> onIntent) : IChainEventSink
{
    public List<ChainEventBatch> Batches { get; } = [];

    public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        foreach (var observed in batch.Observed)
        {
            await onIntent(observed, cancellationToken).ConfigureAwait(false);
        }

        Batches.Add(batch);
    }

    /// <summary>A sink that adds every observed intent to <paramref name="into"/>.</summary>
    public static CallbackSink Collect(List<IntentObserved> into) => new((o, _) =>
    {
        into.Add(o);
        return ValueTask.CompletedTask;
    });
}
