using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>A chunk could not be applied: it does not fit one transaction, the program refused it, a receipt conflicts, or retries ran out.</summary>
internal sealed class ChunkSubmissionException : Exception
{
    public ChunkSubmissionException()
    {
    }

    public ChunkSubmissionException(string message)
        : base(message)
    {
    }

    public ChunkSubmissionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ChunkSubmissionException(ulong epochId, uint chunk, string message, TransactionError? error = null, IReadOnlyList<string>? logs = null, Exception? innerException = null)
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
