using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>Relative weights of the intent kinds (integers; only their ratios matter).</summary>
internal sealed record TrafficMixWeights
{
    [Range(0, 1000)]
    public int Transfer { get; init; } = 70;

    [Range(0, 1000)]
    public int DeadlineTooSoon { get; init; } = 10;

    [Range(0, 1000)]
    public int LimitAboveOutput { get; init; } = 10;

    [Range(0, 1000)]
    public int LimitAboveOutputExpiring { get; init; } = 10;

    public int Total => Transfer + DeadlineTooSoon + LimitAboveOutput + LimitAboveOutputExpiring;
}

/// <summary>How the traffic generator behaves; checked by <see cref="Validate"/> before anything is sent.</summary>
internal sealed record TrafficOptions
{
    /// <summary>Intents opened per second, both chains together.</summary>
    [Range(1, 10_000)]
    public int IntentsPerSecond { get; init; } = 5;

    /// <summary>The mix's seed: the same seed opens the same sequence of plans.</summary>
    public ulong Seed { get; init; } = 1;

    public TrafficMixWeights Mix { get; init; } = new();

    /// <summary>Depositors per chain; intents take them in turn.</summary>
    [Range(1, 256)]
    public int DepositorsPerChain { get; init; } = 4;

    /// <summary>The node's settlement margin (s): a deadline inside it is refunded by the next clearing.</summary>
    [Range(2, 86_400)]
    public ulong SettlementMarginSeconds { get; init; } = DevnetScenario.SettlementMarginSeconds;

    /// <summary>Deadline of fillable transfers and of never-fillable deferrals (s from opening).</summary>
    [Range(60, 30 * 86_400)]
    public ulong DeadlineSeconds { get; init; } = 3600;

    /// <summary>How long an expiring deferral stays fillable by its deadline beyond the settlement margin (s).</summary>
    [Range(1, 86_400)]
    public ulong ExpiringDeferralSeconds { get; init; } = 300;

    /// <summary>Tokens minted to each depositor at a time (native units); topped up again when spent.</summary>
    [Range(1_000_000_000UL, 1_000_000_000_000_000UL)]
    public ulong FundingPerDepositor { get; init; } = 10_000_000_000_000;

    /// <summary>The most intents opened in one go when the schedule is behind.</summary>
    [Range(1, 10_000)]
    public int MaxBatch { get; init; } = 200;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true)
            || !Validator.TryValidateObject(Mix, new ValidationContext(Mix), results, validateAllProperties: true))
        {
            throw new ArgumentException($"Traffic option {string.Join(", ", results.SelectMany(r => r.MemberNames))} is out of range: {results[0].ErrorMessage}");
        }

        if (Mix.Total == 0)
        {
            throw new ArgumentException("Traffic option Mix: every weight is 0; at least one kind must have a weight.");
        }

        if (DeadlineSeconds <= SettlementMarginSeconds)
        {
            throw new ArgumentException($"Traffic option DeadlineSeconds ({DeadlineSeconds}) must exceed SettlementMarginSeconds ({SettlementMarginSeconds}), or no transfer could fill.");
        }
    }
}
