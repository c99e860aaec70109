namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>What an intent of the traffic is made to test.</summary>
internal enum TrafficIntentKind
{
    /// <summary>A cross-chain USDC transfer with a sane limit: filled by the next clearing.</summary>
    Transfer,

    /// <summary>A transfer whose deadline falls inside the settlement margin: the next clearing refunds it.</summary>
    DeadlineTooSoon,

    /// <summary>A transfer asking one unit more than it deposits: no clearing can fill it, it stays open.</summary>
    LimitAboveOutput,

    /// <summary>Like <see cref="LimitAboveOutput"/> with a deadline a few minutes out: deferred, then refunded by a later epoch.</summary>
    LimitAboveOutputExpiring,
}

/// <summary>One planned intent: its kind, direction and input amount (native units, 6 decimals).</summary>
internal readonly record struct TrafficIntentPlan(TrafficIntentKind Kind, bool FromEvm, ulong InputAmount);

/// <summary>
/// The deterministic mix: intent number <c>i</c> of seed <c>s</c> is always the same plan, whatever was opened before
/// it (a SplitMix64 hash of seed and index, integer math only). Even numbers go EVM to Solana, odd ones back.
/// </summary>
internal static class TrafficMix
{
    /// <summary>Smallest and largest input: 1.00 to 100.00 USDC in whole cents.</summary>
    public const ulong CentUnits = 10_000, MinCents = 100, MaxCents = 10_000;

    public static TrafficIntentPlan Plan(ulong seed, long index, TrafficMixWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var hash = SplitMix64(seed ^ SplitMix64((ulong)index));
        var total = (ulong)weights.Total;
        var pick = (hash % total) + 1;
        var kind = pick <= (ulong)weights.Transfer ? TrafficIntentKind.Transfer
            : pick <= (ulong)(weights.Transfer + weights.DeadlineTooSoon) ? TrafficIntentKind.DeadlineTooSoon
            : pick <= (ulong)(weights.Transfer + weights.DeadlineTooSoon + weights.LimitAboveOutput) ? TrafficIntentKind.LimitAboveOutput
            : TrafficIntentKind.LimitAboveOutputExpiring;
        var cents = MinCents + ((hash >> 32) % (MaxCents - MinCents + 1));
        return new TrafficIntentPlan(kind, index % 2 == 0, cents * CentUnits);
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}
