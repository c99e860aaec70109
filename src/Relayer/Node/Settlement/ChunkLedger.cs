using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Settlement;

/// <summary>
/// The chunks' progress of one epoch, kept in its record: every change is written (fenced) before the loop acts
/// on it, one write at a time, since chains settle side by side.
/// </summary>
internal sealed class ChunkLedger(EpochRecord record, Func<EpochRecord, CancellationToken, Task> save) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public EpochRecord Record { get; private set; } = record;

    public ChunkProgress this[ChunkReference chunk] =>
        Record.Chunks.FirstOrDefault(c => c.ChainId == chunk.ChainId && c.Index == chunk.Index)
        ?? throw new InvalidOperationException($"Epoch {Record.EpochId} has no chunk {chunk.Index} on chain {chunk.ChainId} in its record.");

    public static bool IsDone(ChunkProgress progress) => progress.Stage is ChunkProgressStage.Applied or ChunkProgressStage.AlreadyApplied;

    public async Task UpdateAsync(ChunkProgress progress, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var chunks = Record.Chunks.Select(c => c.ChainId == progress.ChainId && c.Index == progress.Index ? progress : c).ToArray();
            var next = Record with { Chunks = chunks };
            await save(next, cancellationToken).ConfigureAwait(false);
            Record = next;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
