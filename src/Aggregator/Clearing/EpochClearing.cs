using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>The clearing function of docs/ARCHITECTURE.md: a pure, deterministic map from an epoch to its settlement batch.</summary>
public static class EpochClearing
{
    /// <summary>Clears one epoch. Throws <see cref="ClearingInputException"/> when the input is inconsistent.</summary>
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

        return new SettlementBatch
        {
            EpochId = input.EpochId,
            BatchRoot = batchRoot,
            Legs = legs,
            Prices = prices,
            Filled = Ids(work.Intents, IntentFate.Filled),
            Refunded = Ids(work.Intents, IntentFate.Refunded),
            Deferred = Ids(work.Intents, IntentFate.Deferred),
            Stats = ClearingStatsBuilder.Build(work, actionCount),
        };
    }

    private static Bytes32[] Ids(IntentWork[] intents, IntentFate fate)
    {
        var ids = new List<Bytes32>();
        foreach (ref readonly var item in intents.AsSpan())
        {
            if (item.Fate == fate)
            {
                ids.Add(item.Intent.IntentId);
            }
        }

        return [.. ids];
    }
}
