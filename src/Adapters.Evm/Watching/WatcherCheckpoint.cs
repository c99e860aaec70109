using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>A processed block whose hash is kept for reorg detection, with the intents reported from it.</summary>
public sealed record ProcessedBlock(ulong Number, Bytes32 Hash, IReadOnlyList<Bytes32> IntentIds);

/// <summary>
/// Where a watcher stands: every block below <see cref="NextBlock"/> has been reported; <see cref="RecentBlocks"/>
/// (ascending) are the hashes it saw, for detecting a reorg after a restart too.
/// </summary>
public sealed record WatcherCheckpoint(ulong NextBlock, IReadOnlyList<ProcessedBlock> RecentBlocks);

/// <summary>Persists a watcher's checkpoint (a file here; Redis in the relayer host later).</summary>
public interface IWatcherCheckpointStore
{
    /// <summary>The last saved checkpoint, or null when the watcher never ran.</summary>
    Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Saves atomically: after a crash the store holds either the previous or the new checkpoint, never a mix.</summary>
    Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken);
}
