namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>A chunk could not be applied (a revert other than "already applied", or no confirmation in time).</summary>
public sealed class ChunkSubmissionException : Exception
{
    public ChunkSubmissionException(string message)
        : base(message)
    {
    }

    public ChunkSubmissionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ChunkSubmissionException()
    {
    }

    public ulong EpochId { get; init; }

    public uint Chunk { get; init; }

    /// <summary>The escrow's custom error, when the failure was a revert.</summary>
    public string? ErrorName { get; init; }
}
