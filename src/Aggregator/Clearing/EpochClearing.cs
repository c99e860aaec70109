namespace DiscreteExec.Aggregator.Clearing;

/// <summary>The clearing function of DESIGN.md: a pure, deterministic map from an epoch to its settlement batch.</summary>
public static class EpochClearing
{
    /// <summary>Clears one epoch. Throws <see cref="ClearingInputException"/> when the input is inconsistent.</summary>
    public static SettlementBatch Clear(EpochInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        throw new NotImplementedException("The clearing engine lands with the clearing work.");
    }
}
