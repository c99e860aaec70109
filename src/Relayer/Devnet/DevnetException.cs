namespace DiscreteExec.Relayer.Devnet;

/// <summary>The local devnet could not start or a step of its run failed; the message says what and, for a missing prerequisite, the command to run.</summary>
public sealed class DevnetException : Exception
{
    public DevnetException()
    {
    }

    public DevnetException(string message)
        : base(message)
    {
    }

    public DevnetException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
