using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// The batch's accounting, from the final fills: per (chain, token) in native units, per asset and per pair in
/// asset units, with the exact dust so that conservation is an identity anyone can re-check.
/// </summary>
internal static class ClearingStatsBuilder
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ClearingStats Build(EpochWork work, int actionCount)
    {
        var keys = work.Catalog.Keys;
        var assets = work.Catalog.Assets;
        var released = new ExactSum[keys.Length];
        var paid = new ExactSum[keys.Length];
        var fees = new ExactSum[keys.Length];
        var transferDust = new ExactSum[assets.Length];
        var tallies = new Dictionary<int, PairTally>();
        foreach (var pair in work.Pairs.Keys)
        {
            tallies[pair] = new PairTally(keys.Length);
        }

        int filled = 0, refunded = 0, deferred = 0;
        var refunds = new List<IntentRefund>();
        foreach (ref readonly var item in work.Intents.AsSpan())
        {
            switch (item.Fate)
            {
                case IntentFate.Refunded:
                    refunded++;
                    refunds.Add(new IntentRefund(item.Intent.IntentId, item.RefundReason!));
                    continue;
                case IntentFate.Deferred:
                    deferred++;
                    continue;
                case IntentFate.Filled:
                    filled++;
                    break;
                default:
                    throw new InvalidOperationException($"Intent {item.Intent.IntentId} left the clearing undecided (engine bug).");
            }

            released[item.InputKey].Add(item.Input);
            paid[item.OutputKey].Add(item.Payout);
            fees[item.OutputKey].Add(item.Fee);
            if (item.Pair < 0)
            {
                transferDust[keys[item.OutputKey].Asset].Add(item.Remainder);
                continue;
            }

            var tally = tallies[item.Pair];
            tally.SoldByKey[item.InputKey].Add(item.Input);
            if (item.SellsBase)
            {
                tally.Bases++;
                tally.BaseRemainders.Add(item.Remainder);
            }
            else
            {
                tally.Quotes++;
                tally.QuoteRemainders.Add(item.Remainder);
            }
        }

        // Dust per asset: transfers leave whole asset units; a base seller's remainder r is r/b quote units and a
        // quote seller's is r/a base units at the pair price a/b.
        var dust = new Fraction[assets.Length];
        for (var a = 0; a < assets.Length; a++)
        {
            dust[a] = Fraction.Of(transferDust[a].Value, 1);
        }

        var pairs = new List<PairStats>();
        foreach (var (code, price) in work.Pairs)
        {
            var tally = tallies[code];
            BigInteger baseSold = 0, quoteSold = 0;
            for (var k = 0; k < keys.Length; k++)
            {
                if (keys[k].Asset == price.Base)
                {
                    baseSold += AssetUnits(tally.SoldByKey[k].Value, keys[k].Exponent);
                }
                else if (keys[k].Asset == price.Quote)
                {
                    quoteSold += AssetUnits(tally.SoldByKey[k].Value, keys[k].Exponent);
                }
            }

            dust[price.Quote] += Fraction.Of(tally.BaseRemainders.Value, price.Denominator);
            dust[price.Base] += Fraction.Of(tally.QuoteRemainders.Value, price.Numerator);
            pairs.Add(new PairStats
            {
                Base = assets[price.Base].Id,
                Quote = assets[price.Quote].Id,
                BaseSellersFilled = tally.Bases,
                QuoteSellersFilled = tally.Quotes,
                BaseSold = baseSold,
                QuoteSold = quoteSold,
                PoolBaseNet = Fraction.Of((baseSold * price.Numerator) - (quoteSold * price.Denominator), price.Numerator),
                PoolQuoteNet = Fraction.Of((quoteSold * price.Denominator) - (baseSold * price.Numerator), price.Denominator),
            });
        }

        var pools = new List<PoolStats>(keys.Length);
        var assetReleased = new BigInteger[assets.Length];
        var assetPaid = new BigInteger[assets.Length];
        var assetFees = new BigInteger[assets.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            var key = keys[k];
            var before = key.PoolBefore.ToBigInteger();
            pools.Add(new PoolStats(key.ChainId, key.Token, assets[key.Asset].Id, before, released[k].Value, paid[k].Value, before + released[k].Value - paid[k].Value));
            assetReleased[key.Asset] += AssetUnits(released[k].Value, key.Exponent);
            assetPaid[key.Asset] += AssetUnits(paid[k].Value, key.Exponent);
            assetFees[key.Asset] += AssetUnits(fees[k].Value, key.Exponent);
        }

        var assetStats = new List<AssetStats>(assets.Length);
        for (var a = 0; a < assets.Length; a++)
        {
            var wholeDust = dust[a].Floor();
            var kept = assetReleased[a] - assetPaid[a] - assetFees[a];
            assetStats.Add(new AssetStats
            {
                AssetId = assets[a].Id,
                Released = assetReleased[a],
                PaidOut = assetPaid[a],
                Fees = assetFees[a],
                Dust = wholeDust,
                PoolNet = kept - wholeDust,
                ExactDust = dust[a],
                ExactPoolNet = Fraction.Of(kept, 1) - dust[a],
            });
        }

        return new ClearingStats
        {
            IntentCount = work.Intents.Length,
            FilledCount = filled,
            RefundedCount = refunded,
            DeferredCount = deferred,
            ActionCount = actionCount,
            Assets = assetStats,
            Pairs = pairs,
            Pools = pools,
            Refunds = refunds,
        };
    }

    private sealed class PairTally(int keyCount)
    {
        public ExactSum[] SoldByKey { get; } = new ExactSum[keyCount];

        public int Bases { get; set; }

        public int Quotes { get; set; }

        public ExactSum BaseRemainders;

        public ExactSum QuoteRemainders;
    }

    private static BigInteger AssetUnits(BigInteger native, int exponent) => native * BigInteger.Pow(10, exponent);
}
