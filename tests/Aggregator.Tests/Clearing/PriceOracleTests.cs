using System.Numerics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core.Intents;
using FsCheck;
using FsCheck.Xunit;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// Invariant 7 against a brute-force oracle: on small single-pair epochs on one chain (so that the solvency phase
/// has nothing to do), every candidate price is tried by a full scan and the best one must be the engine's.
/// </summary>
public class PriceOracleTests
{
    [Property(MaxTest = 300)]
    public Property Clear_SmallSinglePairEpoch_PriceAndFillsMatchBruteForce() =>
        EpochClearingPropertyTests.Check(EpochCase.Any(singleChain: true, singlePair: true, maxIntents: 8), audit =>
        {
            if (audit.Batch.Prices.Count == 0)
            {
                return;
            }

            var price = audit.Batch.Prices.Single();
            var (bestPrice, bestFilled) = BruteForce(audit, price.Base, price.Quote);
            Assert.Equal(bestPrice, (price.Numerator, price.Denominator));
            var swaps = audit.Batch.Filled.Where(id => audit.In(audit.Intents[id]).Asset.Id != audit.Out(audit.Intents[id]).Asset.Id);
            Assert.Equal(bestFilled.Order(), swaps.Order());
        });

    /// <summary>Tries every candidate: r, both band ends, and every limit inside the band.</summary>
    private static ((BigInteger, BigInteger) Price, List<DiscreteExec.Core.Bytes32> Filled) BruteForce(BatchAudit audit, string baseId, string quoteId)
    {
        var input = audit.Input;
        var assets = input.Assets.ToDictionary(a => a.Id);
        var rb = assets[baseId].ReferencePrice.ToBigInteger();
        var rq = assets[quoteId].ReferencePrice.ToBigInteger();
        var s = input.SpreadBps;
        var low = (rb * (10_000 - s), rq * 10_000);
        var high = (rb * (10_000 + s), rq * 10_000);
        var reference = (rb, rq);

        var swaps = input.Intents
            .Where(i => audit.ExpectedRefund(i) is null && audit.RequiredGross(i) is not null && audit.In(i).Asset.Id != audit.Out(i).Asset.Id)
            .ToList();
        bool SellsBase(Intent i) => audit.In(i).Asset.Id == baseId;

        var candidates = new List<(BigInteger N, BigInteger D)> { low, reference, high };
        foreach (var intent in swaps)
        {
            var limit = PreferenceOrder.Limit(audit, intent, SellsBase(intent));
            if (!limit.Den.IsZero && Cmp(limit, low) >= 0 && Cmp(limit, high) <= 0)
            {
                candidates.Add(limit);
            }
        }

        BigInteger Capacity(string assetId) => input.Pools
            .Select(p => (Pool: p, Token: audit.Lookup(p.ChainId, p.Token)))
            .Where(p => p.Token is not null && p.Token.Value.Asset.Id == assetId)
            .Aggregate(BigInteger.Zero, (sum, p) => sum + (p.Pool.Balance.ToBigInteger() * BatchAudit.Scale(p.Token!.Value.Token.Decimals)));
        var baseCapacity = Capacity(baseId);
        var quoteCapacity = Capacity(quoteId);

        var found = false;
        (BigInteger N, BigInteger D) best = default;
        BigInteger bestVolume = -1;
        List<Intent> bestFilled = [];
        foreach (var p in candidates.Where(c => !c.N.IsZero))
        {
            // Full scan: eligibility from the exact gross at p, each side in preference order.
            bool Eligible(Intent i)
            {
                var g = audit.RequiredGross(i)!.Value;
                var x = audit.InputUnits(i);
                var scale = BatchAudit.Scale(audit.Out(i).Token.Decimals);
                return SellsBase(i) ? x * p.N >= g * scale * p.D : x * p.D >= g * scale * p.N;
            }

            var bases = swaps.Where(i => SellsBase(i) && Eligible(i)).Order(Comparer<Intent>.Create((x, y) => PreferenceOrder.Compare(audit, x, y, true))).ToList();
            var quotes = swaps.Where(i => !SellsBase(i) && Eligible(i)).Order(Comparer<Intent>.Create((x, y) => PreferenceOrder.Compare(audit, x, y, false))).ToList();
            int k = bases.Count, j = quotes.Count;
            while (true)
            {
                var x = bases.Take(k).Aggregate(BigInteger.Zero, (sum, i) => sum + audit.InputUnits(i));
                var y = quotes.Take(j).Aggregate(BigInteger.Zero, (sum, i) => sum + audit.InputUnits(i));
                if ((x * p.N) - (y * p.D) > quoteCapacity * p.D)
                {
                    k--; // pools would have to supply more quote than they hold: drop the least-preferred base seller
                }
                else if ((y * p.D) - (x * p.N) > baseCapacity * p.N)
                {
                    j--;
                }
                else
                {
                    break;
                }
            }

            var filled = bases.Take(k).Concat(quotes.Take(j)).ToList();
            var volume = bases.Take(k).Aggregate(BigInteger.Zero, (sum, i) => sum + (audit.InputUnits(i) * rb))
                         + quotes.Take(j).Aggregate(BigInteger.Zero, (sum, i) => sum + (audit.InputUnits(i) * rq));
            if (!found || volume > bestVolume || (volume == bestVolume && Nearer(p, best, reference)))
            {
                found = true;
                best = p;
                bestVolume = volume;
                bestFilled = filled;
            }
        }

        var divisor = BigInteger.GreatestCommonDivisor(best.N, best.D);
        return ((best.N / divisor, best.D / divisor), bestFilled.Select(i => i.IntentId).ToList());
    }

    /// <summary>|p − r| &lt; |q − r|, or equal and p &lt; q.</summary>
    private static bool Nearer((BigInteger N, BigInteger D) p, (BigInteger N, BigInteger D) q, (BigInteger N, BigInteger D) r)
    {
        var dp = BigInteger.Abs((p.N * r.D) - (r.N * p.D)) * q.D; // |p − r| · p.D·r.D·q.D
        var dq = BigInteger.Abs((q.N * r.D) - (r.N * q.D)) * p.D;
        return dp < dq || (dp == dq && Cmp(p, q) < 0);
    }

    private static int Cmp((BigInteger N, BigInteger D) a, (BigInteger N, BigInteger D) b) => (a.N * b.D).CompareTo(b.N * a.D);
}
