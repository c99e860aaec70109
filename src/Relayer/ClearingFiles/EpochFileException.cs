namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// An epoch.json is malformed or inconsistent. The message names where (JSON path, and the intent id inside an
/// intent when it is readable), the field and what is wrong with it.
/// </summary>
public sealed class EpochFileException : Exception
{
    public EpochFileException()
    {
    }

    public EpochFileException(string message)
        : base(message)
    {
    }

    public EpochFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
