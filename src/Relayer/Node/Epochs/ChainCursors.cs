using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>Where each chain's watcher stands now: the cursor an epoch's manifest states for that chain.</summary>
internal interface IChainCursorSource
{
    /// <summary>The chain's latest cursor whose batch is durable in the node, or null when its watcher has reported none yet.</summary>
    ChainCursor? CursorOf(ChainId chainId);
}

/// <summary>
/// The latest cursor per chain, fed by the host from every <see cref="ChainEventBatch"/> once the batch is durable
/// (after the sink accepted it), so every intent final at or before a cursor read here is already in the store.
/// </summary>
internal sealed class LatestChainCursors : IChainCursorSource
{
    private readonly ConcurrentDictionary<ChainId, ChainCursor> _cursors = new();

    /// <summary>Records the batch's cursor; an older height (a replayed batch) never moves a cursor back.</summary>
    public void Accepted(ChainEventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        _cursors.AddOrUpdate(batch.ChainId, batch.Cursor, (_, current) => batch.Cursor.Height >= current.Height ? batch.Cursor : current);
    }

    public ChainCursor? CursorOf(ChainId chainId) => _cursors.GetValueOrDefault(chainId);
}
