namespace DiscreteExec.Aggregator.Epochs;

/// <summary>Which trigger closed an epoch.</summary>
public enum EpochCloseReason
{
    /// <summary>The epoch reached its length (fixed, or chosen by the adaptive mode).</summary>
    Duration,

    /// <summary>The book held the configured number of intents.</summary>
    IntentCount,

    /// <summary>The book's notional reached the configured threshold.</summary>
    Notional,

    /// <summary>A reference price moved more than the configured threshold since the epoch opened.</summary>
    Volatility,
}
