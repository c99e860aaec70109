using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>How a chunk ended: applied by this call's transaction, or found already applied (its receipt matches).</summary>
public enum ChunkOutcome
{
    Applied = 0,
    AlreadyApplied = 1,
}

/// <summary>One chunk of a submitted leg.</summary>
public sealed record ChunkResult(uint Chunk, int ActionCount, Bytes32 ChunkHash, ChunkOutcome Outcome, string? Signature, ulong Slot);

/// <summary>A leg confirmed at the configured commitment, chunk by chunk.</summary>
public sealed record LegSubmissionResult(ChainId ChainId, ulong EpochId, IReadOnlyList<ChunkResult> Chunks);

/// <summary>A leg could not be applied: the program refused a chunk, a receipt conflicts, or retries ran out.</summary>
public sealed class LegSubmissionException : Exception
{
    public LegSubmissionException()
    {
    }

    public LegSubmissionException(string message)
        : base(message)
    {
    }

    public LegSubmissionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public LegSubmissionException(ulong epochId, uint chunk, string message, TransactionError? error = null, IReadOnlyList<string>? logs = null, Exception? innerException = null)
        : base($"Epoch {epochId} chunk {chunk}: {message}", innerException)
    {
        EpochId = epochId;
        Chunk = chunk;
        Error = error;
        Logs = logs ?? [];
    }

    public ulong EpochId { get; }

    public uint Chunk { get; }

    /// <summary>The runtime error, with the escrow's error name when it is a custom program error.</summary>
    public TransactionError? Error { get; }

    public IReadOnlyList<string> Logs { get; } = [];
}
