using System.ComponentModel.DataAnnotations;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Epochs;

/// <summary>When an epoch closes: the first trigger that fires wins. A zero threshold disables that trigger.</summary>
public sealed class EpochBookOptions
{
    /// <summary>The epoch closes at the latest this long after it opened (the fixed length when adaptive mode is off).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>Close as soon as the book holds this many intents (0: off).</summary>
    [Range(0, 10_000_000)]
    public int MaxIntentCount { get; set; } = 50_000;

    /// <summary>Close as soon as the book's notional (input value at reference prices, numeraire scaled 1e18) reaches this (zero: off).</summary>
    public UInt256 MaxNotional { get; set; } = UInt256.Zero;

    /// <summary>Close when any asset's reference price moved more than this many basis points since the epoch opened (0: off).</summary>
    [Range(0, 10_000)]
    public int MaxPriceMoveBps { get; set; } = 100;

    /// <summary>Tune the epoch length to the arrival rate, between <see cref="MinDuration"/> and <see cref="MaxDuration"/>.</summary>
    public bool Adaptive { get; set; }

    /// <summary>The shortest epoch the adaptive mode may choose.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan MinDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many intents the adaptive mode aims to gather per epoch.</summary>
    [Range(1, 10_000_000)]
    public int TargetIntentsPerEpoch { get; set; } = 1_000;

    /// <summary>Checks the ranges and their relations; the message names the bad key.</summary>
    public void Validate()
    {
        var context = new ValidationContext(this);
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, context, results, validateAllProperties: true))
        {
            throw new ArgumentException($"Epochs: {string.Join("; ", results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"))}");
        }

        if (Adaptive && MinDuration > MaxDuration)
        {
            throw new ArgumentException($"Epochs:MinDuration ({MinDuration}) must not exceed Epochs:MaxDuration ({MaxDuration}).");
        }
    }
}
