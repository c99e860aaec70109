namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>A batch.json is malformed; the message names the JSON path and the field.</summary>
public sealed class BatchFileException : Exception
{
    public BatchFileException()
    {
    }

    public BatchFileException(string message)
        : base(message)
    {
    }

    public BatchFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
