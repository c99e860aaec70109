using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>The clearing function of docs/ARCHITECTURE.md: a pure, deterministic map from an epoch to its settlement batch.</summary>
public static class EpochClearing
{
    /// <summary>Clears one epoch. Throws <see cref="ClearingInputException"/> when the input is inconsistent.</summary>
    /// <remarks>Its phases' loops are compiled fully optimised on first use: see README, performance notes.</remarks>
    public static SettlementBatch Clear(EpochInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var catalog = new EpochCatalog(input);
        var work = IntentClassifier.Classify(input, catalog);
        TransferClearing.Clear(work);
        PairClearing.Clear(work);
        SolvencyGuard.Enforce(work);

        var (legs, batchRoot) = SettlementPlanner.Plan(input.EpochId, work.Intents);
        var actionCount = 0;
        foreach (var leg in legs)
        {
            actionCount += leg.Actions.Count;
        }

        var assets = catalog.Assets;
        var prices = new List<PairPrice>(work.Pairs.Count);
        foreach (var pair in work.Pairs.Values)
        {
            prices.Add(new PairPrice(assets[pair.Base].Id, assets[pair.Quote].Id, pair.Numerator, pair.Denominator));
        }

        var (filled, refunded, deferred) = IdsByFate(work.Intents);
        return new SettlementBatch
        {
            EpochId = input.EpochId,
            BatchRoot = batchRoot,
            Legs = legs,
            Prices = prices,
            Filled = filled,
            Refunded = refunded,
            Deferred = deferred,
            Stats = ClearingStatsBuilder.Build(work, actionCount),
        };
    }

    /// <summary>The Filled, Refunded and Deferred id lists in one pass, each array sized exactly by a count first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (Bytes32[] Filled, Bytes32[] Refunded, Bytes32[] Deferred) IdsByFate(IntentWork[] intents)
    {
        var counts = new int[4];
        foreach (ref readonly var item in intents.AsSpan())
        {
            counts[(int)item.Fate]++;
        }

        Bytes32[][] lists = [[], new Bytes32[counts[1]], new Bytes32[counts[2]], new Bytes32[counts[3]]];
        Array.Clear(counts);
        foreach (ref readonly var item in intents.AsSpan())
        {
            // An undecided intent is an engine bug that the stats report; it belongs to no list.
            if (item.Fate != IntentFate.Pending)
            {
                lists[(int)item.Fate][counts[(int)item.Fate]++] = item.Intent.IntentId;
            }
        }

        return (lists[(int)IntentFate.Filled], lists[(int)IntentFate.Refunded], lists[(int)IntentFate.Deferred]);
    }
}
