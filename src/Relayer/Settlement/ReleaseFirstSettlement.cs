using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Settlement;

/// <summary>What became of one epoch's chunks; <see cref="Submitted"/> in the order they were applied, stage by stage.</summary>
internal sealed record SettlementReport(
    IReadOnlyList<SettlementChunk> Chunks,
    IReadOnlyList<ChunkSubmission> Submitted,
    IReadOnlyList<AbandonedChunk> Abandoned,
    IReadOnlyList<SettlementChunk> Withheld)
{
    /// <summary>Every chunk applied (now or before); nothing abandoned or withheld.</summary>
    public bool Complete => Abandoned.Count == 0 && Withheld.Count == 0;
}

/// <summary>A chunk whose submission failed, with the reason the submitter gave.</summary>
internal sealed record AbandonedChunk(SettlementChunk Chunk, string Reason);

/// <summary>
/// Settles an epoch's planned chunks in the order protocol v2 requires: first every Release chunk on every chain,
/// each applied and final; then the transfer chunks. A payout chunk goes only when the origin Release chunk it
/// awaits is final, so a depositor is never paid for a deposit that could still be refunded; when a Release chunk
/// fails, exactly its payout chunks are withheld (its intents stay Open and nothing was paid for them). Refund and
/// Withdraw chunks depend on nothing. Chains proceed side by side within a stage; chunks of one chain in index
/// order. Idempotent: run again, applied chunks report AlreadyApplied and nothing is sent for them.
/// </summary>
internal sealed partial class ReleaseFirstSettlement
{
    private readonly IReadOnlyDictionary<ChainId, IChunkSubmitter> _submitters;
    private readonly ILogger _logger;

    public ReleaseFirstSettlement(IEnumerable<IChunkSubmitter> submitters, ILogger<ReleaseFirstSettlement> logger)
    {
        ArgumentNullException.ThrowIfNull(submitters);
        _submitters = submitters.ToDictionary(s => s.ChainId);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The chunk limits of every chain with a submitter, for the chunk planner.</summary>
    public ChunkLimits LimitsOf(ChainId chainId) =>
        _submitters.TryGetValue(chainId, out var submitter)
            ? submitter.Limits
            : throw new InvalidOperationException($"The batch has a leg for chain {chainId}, which has no submitter configured.");

    public async Task<SettlementReport> SettleAsync(IReadOnlyList<SettlementChunk> chunks, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var epochs = chunks.Select(c => c.EpochId).Distinct().ToArray();
        if (epochs.Length > 1)
        {
            // A chunk reference names no epoch: chunks of two epochs could stand in for each other's Releases.
            throw new ArgumentException($"Chunks of {epochs.Length} epochs ({string.Join(", ", epochs)}) were given; settle one epoch at a time, in epoch order.", nameof(chunks));
        }

        foreach (var chainId in chunks.Select(c => c.ChainId).Distinct())
        {
            _ = LimitsOf(chainId);
        }

        var submitted = new List<ChunkSubmission>();
        var abandoned = new List<AbandonedChunk>();
        await RunStageAsync(chunks.Where(c => c.Stage == ChunkStage.Release), submitted, abandoned, cancellationToken).ConfigureAwait(false);

        var released = submitted.Select(s => s.Chunk).ToHashSet();
        var withheld = new List<SettlementChunk>();
        var transfers = new List<SettlementChunk>();
        foreach (var chunk in chunks.Where(c => c.Stage == ChunkStage.Transfer))
        {
            if (chunk.AwaitsRelease is { } release && !released.Contains(release))
            {
                LogWithheld(_logger, chunk.ChainId.Value, chunk.EpochId, chunk.Index, release.ChainId.Value, release.Index);
                withheld.Add(chunk);
            }
            else
            {
                transfers.Add(chunk);
            }
        }

        await RunStageAsync(transfers, submitted, abandoned, cancellationToken).ConfigureAwait(false);
        return new SettlementReport(
            chunks,
            submitted,
            abandoned.OrderBy(a => a.Chunk.ChainId).ThenBy(a => a.Chunk.Index).ToArray(),
            withheld);
    }

    private async Task RunStageAsync(
        IEnumerable<SettlementChunk> chunks, List<ChunkSubmission> submitted, List<AbandonedChunk> abandoned, CancellationToken cancellationToken)
    {
        var perChain = chunks.GroupBy(c => c.ChainId).Select(g => RunChainAsync(g.OrderBy(c => c.Index).ToArray(), cancellationToken)).ToArray();
        foreach (var (ok, failed) in await Task.WhenAll(perChain).ConfigureAwait(false))
        {
            submitted.AddRange(ok);
            abandoned.AddRange(failed);
        }
    }

    private async Task<(List<ChunkSubmission> Submitted, List<AbandonedChunk> Abandoned)> RunChainAsync(
        SettlementChunk[] chunks, CancellationToken cancellationToken)
    {
        var submitted = new List<ChunkSubmission>();
        var abandoned = new List<AbandonedChunk>();
        foreach (var chunk in chunks)
        {
            try
            {
                var result = await _submitters[chunk.ChainId].SubmitAsync(chunk, cancellationToken).ConfigureAwait(false);
                LogChunk(_logger, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage, chunk.Actions.Count, result.Outcome);
                submitted.Add(result);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // A chunk that cannot apply blocks nothing but what depends on it (its own payouts); the rest proceeds.
                LogAbandoned(_logger, ex, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage);
                abandoned.Add(new AbandonedChunk(chunk, ex.Message));
            }
        }

        return (submitted, abandoned);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} ({Stage}, {ActionCount} actions): {Outcome}")]
    private static partial void LogChunk(ILogger logger, ulong chainId, ulong epochId, uint chunk, ChunkStage stage, int actionCount, ChunkSubmissionOutcome outcome);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} ({Stage}) could not be applied; chunks that depend on it are withheld")]
    private static partial void LogAbandoned(ILogger logger, Exception exception, ulong chainId, ulong epochId, uint chunk, ChunkStage stage);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} withheld: its Release chunk {ReleaseChunk} on chain {ReleaseChainId} is not applied, so nothing is paid for those intents")]
    private static partial void LogWithheld(ILogger logger, ulong chainId, ulong epochId, uint chunk, ulong releaseChainId, uint releaseChunk);
}
