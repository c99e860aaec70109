namespace DiscreteExec.Aggregator.Clearing;

/// <summary>The epoch input is inconsistent (e.g. a duplicate intent id); the message names what and where.</summary>
public sealed class ClearingInputException : Exception
{
    public ClearingInputException()
    {
    }

    public ClearingInputException(string message)
        : base(message)
    {
    }

    public ClearingInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
