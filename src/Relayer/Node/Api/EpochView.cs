using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>An epoch record as the API shows it: the stored record with its chunks grouped per chain.</summary>
internal sealed record EpochView(
    ulong EpochId,
    EpochStage Stage,
    long OpenedAtUnixMilliseconds,
    ulong? ClosesAt,
    string? Trigger,
    Bytes32? ManifestHash,
    Bytes32? BatchRoot,
    EpochCountsView Counts,
    IReadOnlyList<ChainChunksView> Chains,
    IReadOnlyDictionary<string, long> StageTimes)
{
    public static EpochView From(EpochRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var chains = record.Chunks
            .GroupBy(c => c.ChainId)
            .OrderBy(g => g.Key)
            .Select(g => new ChainChunksView(
                g.Key,
                g.Count(c => c.Stage is ChunkProgressStage.Applied or ChunkProgressStage.AlreadyApplied),
                g.Count(c => c.Stage == ChunkProgressStage.Abandoned),
                [.. g.OrderBy(c => c.Index).Select(c => new ChunkView(c.Index, c.Stage, c.Attempts, c.TransactionId, c.Error))]))
            .ToArray();
        return new EpochView(
            record.EpochId,
            record.Stage,
            record.OpenedAtUnixMilliseconds,
            record.ClosesAt,
            record.Trigger,
            record.ManifestHash,
            record.BatchRoot,
            new EpochCountsView(record.IntentCount, record.Filled, record.Refunded, record.Deferred),
            chains,
            record.StageTimes.OrderBy(s => s.Key).ToDictionary(s => JsonNamingPolicyCamel(s.Key), s => s.Value));
    }

    private static string JsonNamingPolicyCamel(EpochStage stage) => System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(stage.ToString());
}

/// <summary>How many intents the epoch took and how they ended.</summary>
internal sealed record EpochCountsView(int Intents, int Filled, int Refunded, int Deferred);

/// <summary>One chain's chunks of the epoch, in index order, and how many are applied (or found applied) or abandoned.</summary>
internal sealed record ChainChunksView(ChainId ChainId, int Applied, int Abandoned, IReadOnlyList<ChunkView> Chunks);

/// <summary>One chunk: its progress, attempts and the transaction that applied it.</summary>
internal sealed record ChunkView(uint Index, ChunkProgressStage Stage, int Attempts, string? TransactionId, string? Error);
