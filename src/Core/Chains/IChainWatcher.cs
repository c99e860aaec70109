using DiscreteExec.Core.Messages;

namespace DiscreteExec.Core.Chains;

/// <summary>
/// Where a watcher stands on its chain after a batch: EVM the block number and hash at the confirmation depth;
/// Solana the slot and the newest signature read at the configured commitment.
/// </summary>
public sealed record ChainCursor(ulong Height, string Hash);

/// <summary>What a watcher read from its escrow since its last batch, in chain order, and where that leaves it.</summary>
public sealed record ChainEventBatch(ChainId ChainId, IReadOnlyList<IntentObserved> Observed, IReadOnlyList<IntentRetracted> Retracted, ChainCursor Cursor);

/// <summary>
/// Takes a watcher's batches. Returns once everything in the batch is durable (the node's bus accepted it); only then
/// does the watcher write its checkpoint past the batch, so a crash in between repeats the batch, never skips it.
/// </summary>
public interface IChainEventSink
{
    Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken);
}

/// <summary>Follows one escrow on one chain and reports what it reads through one sink; resumes from its checkpoint.</summary>
public interface IChainWatcher
{
    ChainId ChainId { get; }

    ChainKind Kind { get; }

    /// <summary>Runs until cancelled, then ends with an <see cref="OperationCanceledException"/>; transient RPC faults are retried and reported, never thrown.</summary>
    Task RunAsync(IChainEventSink sink, CancellationToken cancellationToken);
}
