using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>How a chunk ended.</summary>
public enum ChunkOutcome
{
    /// <summary>Our transaction applied it and is buried under the confirmation depth.</summary>
    Applied,

    /// <summary><c>isApplied(epoch, chunk)</c> was already true (a replay, or another relayer was first): nothing sent.</summary>
    AlreadyApplied,
}

/// <summary>One chunk of a submitted leg: its index, action count, outcome and (when we applied it) the receipt.</summary>
public sealed record ChunkResult(uint Chunk, int ActionCount, ChunkOutcome Outcome, TransactionReceipt? Receipt);

/// <summary>The result of submitting a leg: every chunk is applied on-chain when this is returned.</summary>
public sealed record LegSubmissionResult(SettlementLeg Leg, IReadOnlyList<ChunkResult> Chunks);

/// <summary>A leg could not be applied (a revert other than "already applied", or no confirmation in time).</summary>
public sealed class LegSubmissionException : Exception
{
    public LegSubmissionException(string message)
        : base(message)
    {
    }

    public LegSubmissionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LegSubmissionException()
    {
    }

    public ulong EpochId { get; init; }

    public uint Chunk { get; init; }

    /// <summary>The escrow's custom error, when the failure was a revert.</summary>
    public string? ErrorName { get; init; }
}
