using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Settlement;

/// <summary>
/// The chunks' progress of one epoch: every change of one chunk is written (fenced, on its own: the cost does not
/// grow with the epoch's chunks) before the loop acts on it. Chains settle side by side, each writing only its own
/// chunks, so writes of different chunks may overlap; one chunk's changes come from its chain's one task, in order.
/// </summary>
internal sealed class ChunkLedger
{
    private readonly Lock _gate = new();
    private readonly EpochRecord _record;
    private readonly ChunkProgress[] _chunks;
    private readonly Dictionary<(ChainId ChainId, uint Index), int> _positions;
    private readonly Func<ChunkProgress, CancellationToken, Task> _save;
    private int _notDone;

    public ChunkLedger(EpochRecord record, Func<ChunkProgress, CancellationToken, Task> save)
    {
        _record = record ?? throw new ArgumentNullException(nameof(record));
        _save = save ?? throw new ArgumentNullException(nameof(save));
        _chunks = [.. record.Chunks];
        _positions = new Dictionary<(ChainId, uint), int>(_chunks.Length);
        for (var i = 0; i < _chunks.Length; i++)
        {
            _positions[(_chunks[i].ChainId, _chunks[i].Index)] = i;
            _notDone += IsDone(_chunks[i]) ? 0 : 1;
        }
    }

    /// <summary>The epoch record with every chunk's progress as this ledger holds it.</summary>
    public EpochRecord Record
    {
        get
        {
            lock (_gate)
            {
                return _record with { Chunks = [.. _chunks] };
            }
        }
    }

    /// <summary>Whether every chunk of the epoch (of every stage) is done.</summary>
    public bool AllDone => Volatile.Read(ref _notDone) == 0;

    public ChunkProgress this[ChunkReference chunk]
    {
        get
        {
            lock (_gate)
            {
                return _chunks[PositionOf(chunk.ChainId, chunk.Index)];
            }
        }
    }

    public static bool IsDone(ChunkProgress progress) => progress.Stage is ChunkProgressStage.Applied or ChunkProgressStage.AlreadyApplied;

    public async Task UpdateAsync(ChunkProgress progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var position = PositionOf(progress.ChainId, progress.Index);
        await _save(progress, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            _notDone += (IsDone(progress) ? 0 : 1) - (IsDone(_chunks[position]) ? 0 : 1);
            _chunks[position] = progress;
        }
    }

    private int PositionOf(ChainId chainId, uint index) =>
        _positions.TryGetValue((chainId, index), out var position)
            ? position
            : throw new InvalidOperationException($"Epoch {_record.EpochId} has no chunk {index} on chain {chainId} in its record.");
}
