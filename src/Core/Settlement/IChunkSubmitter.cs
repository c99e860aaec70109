namespace DiscreteExec.Core.Settlement;

/// <summary>How a chunk submission ended.</summary>
public enum ChunkSubmissionOutcome : byte
{
    /// <summary>Our transaction applied the chunk and it is final at the chain's configured finality.</summary>
    Applied = 0,

    /// <summary>The escrow already reported the chunk applied (a replay, or another node was first): nothing was sent.</summary>
    AlreadyApplied = 1,
}

/// <summary>One chunk applied (or found applied) on its chain.</summary>
public sealed record ChunkSubmission(ChunkReference Chunk, ulong EpochId, int ActionCount, ChunkSubmissionOutcome Outcome, string? TransactionId);

/// <summary>
/// Applies chunks of settlement legs to one chain's escrow, each exactly once: a chunk the escrow already applied
/// is reported as such and nothing is sent. Returns only once the chunk is final; a chunk that cannot be applied
/// throws. The caller decides the order (Release chunks final before their payout chunks).
/// </summary>
public interface IChunkSubmitter
{
    ChainId ChainId { get; }

    /// <summary>The per-chunk action limits of this chain, used by the chunk planner (the same on every node).</summary>
    ChunkLimits Limits { get; }

    Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken);
}
