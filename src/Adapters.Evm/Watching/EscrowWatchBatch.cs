using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>What one watcher step found: new intents in [FromBlock, ToBlock], retractions after a reorg, and settlement events.</summary>
public sealed record EscrowWatchBatch(
    ulong FromBlock,
    ulong ToBlock,
    IReadOnlyList<IntentObserved> Observed,
    IReadOnlyList<IntentRetracted> Retracted,
    IReadOnlyList<EscrowEvent> Events);

/// <summary>
/// Receives the watcher's batches (the relayer host publishes them on the bus). The checkpoint is saved only after
/// <see cref="HandleAsync"/> returns, so a batch is never lost; a crash between the two can hand the same batch
/// again after a restart, which consumers keyed by intent id absorb.
/// </summary>
public interface IEscrowEventSink
{
    Task HandleAsync(EscrowWatchBatch batch, CancellationToken cancellationToken);
}
