using System.Globalization;

namespace DiscreteExec.Chaos;

/// <summary>The kinds of fault a campaign injects.</summary>
internal enum FaultKind
{
    /// <summary>SIGKILL of the node at a random time; restarted after a random pause.</summary>
    NodeKill,

    /// <summary>The node restarted with a crash point armed: it kills itself at that lifecycle step; restarted again.</summary>
    NodeKillAtStep,

    /// <summary>RabbitMQ killed (SIGKILL) and started again on the same data.</summary>
    BrokerRestart,

    /// <summary>Redis killed (SIGKILL) and started again (append-only file, fsync always).</summary>
    StoreRestart,

    /// <summary>One chain's RPC proxy drops, fails (500, 429) or slows a share of requests for a while.</summary>
    RpcFaults,

    /// <summary>The Solana RPC answers every sendTransaction with "Blockhash not found" for a while (the transaction may still land).</summary>
    BlockhashStorm,

    /// <summary>The node restarted with its wall clock shifted; restarted without the shift a while later.</summary>
    ClockSkew,

    /// <summary>anvil's newest blocks (fewer than the confirmation depth) replaced by new ones holding the same transactions.</summary>
    EvmReorg,
}

/// <summary>One fault of the plan: when (after the campaign's start), what, and the values drawn for it.</summary>
internal sealed record PlannedFault(TimeSpan At, FaultKind Kind, TimeSpan Length, int Choice)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{At.TotalSeconds,6:0.0} s  {Kind} (length {Length.TotalSeconds:0.0} s, choice {Choice})");
}

/// <summary>
/// The campaign's faults, drawn from the seed only: the same seed gives the same plan on every machine. Every kind
/// comes once (in a seeded order) before any comes twice, so a campaign long enough for one round injects them all.
/// </summary>
internal static class FaultPlan
{
    /// <summary>No fault in the first seconds: the node starts and settles a first epoch.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(20);

    public static IReadOnlyList<PlannedFault> Create(ulong seed, TimeSpan duration)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var kinds = Enum.GetValues<FaultKind>();
        var plan = new List<PlannedFault>();
        var at = Quiet;
        var round = new Queue<FaultKind>();
        while (true)
        {
            if (round.Count == 0)
            {
                foreach (var kind in kinds.OrderBy(_ => random.Next()))
                {
                    round.Enqueue(kind);
                }
            }

            var next = round.Dequeue();
            var length = TimeSpan.FromMilliseconds(random.Next(3_000, 10_000));
            if (at + length > duration)
            {
                return plan;
            }

            plan.Add(new PlannedFault(at, next, length, random.Next(1_000_000)));
            at += length + TimeSpan.FromMilliseconds(random.Next(2_000, 8_000));
        }
    }
}
