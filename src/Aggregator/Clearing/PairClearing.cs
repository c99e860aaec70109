using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Aggregator.Clearing.Pricing;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// Clears every traded pair: gathers its book, searches its price on the 128-bit fast path when every amount and
/// limit fits (else on BigInteger), then fills the chosen prefix of each side at that price.
/// </summary>
internal static class PairClearing
{
    public static void Clear(EpochWork work)
    {
        var assetCount = work.AssetCount;
        var keys = work.Catalog.Keys;
        var (bases, quotes) = Books(work);
        var traded = new List<int>();
        for (var pair = 0; pair < bases.Length; pair++)
        {
            if (bases[pair].Length > 0 || quotes[pair].Length > 0)
            {
                traded.Add(pair);
            }
        }

        // Pairs touch disjoint intents, so they clear side by side; results are collected by pair, never by finish order.
        var results = new PairResult[traded.Count];
        Parallel.For(0, traded.Count, t =>
        {
            var pair = traded[t];
            var baseAsset = pair / assetCount;
            var quoteAsset = pair % assetCount;
            var book = new PairBook(
                bases[pair],
                quotes[pair],
                Pools(keys, baseAsset),
                Pools(keys, quoteAsset),
                work.Catalog.Assets[baseAsset].ReferencePrice,
                work.Catalog.Assets[quoteAsset].ReferencePrice,
                work.Input.SpreadBps);

            var (price, filledBases, filledQuotes, deferred) =
                PairMarketBuilder.TryBuild<UInt128, UInt256, NarrowArithmetic>(book, out var narrow)
                    ? Choose<UInt128, UInt256, NarrowArithmetic>(narrow)
                    : PairMarketBuilder.TryBuild<BigInteger, BigInteger, WideArithmetic>(book, out var wide)
                        ? Choose<BigInteger, BigInteger, WideArithmetic>(wide)
                        : throw new InvalidOperationException("The wide arithmetic accepts every book.");

            var result = new PairResult(baseAsset, quoteAsset, price.Numerator, price.Denominator);
            results[t] = result;
            FillAll(work, filledBases, new GrossCalculator(result.Numerator, result.Denominator));
            FillAll(work, filledQuotes, new GrossCalculator(result.Denominator, result.Numerator));
            foreach (var index in deferred)
            {
                work.Intents[index].Fate = IntentFate.Deferred;
            }
        });

        for (var t = 0; t < traded.Count; t++)
        {
            work.Pairs.Add(traded[t], results[t]);
        }
    }

    /// <summary>
    /// Every pending swap's order, by pair code and side. Counted first so each side is one exactly sized array:
    /// a million orders of ~90 bytes should not be copied through growing lists.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (SwapOrder[][] Bases, SwapOrder[][] Quotes) Books(EpochWork work)
    {
        var pairCount = work.AssetCount * work.AssetCount;
        var baseCounts = new int[pairCount];
        var quoteCounts = new int[pairCount];
        foreach (ref readonly var item in work.Intents.AsSpan())
        {
            if (item.Fate == IntentFate.Pending && item.Pair >= 0)
            {
                (item.SellsBase ? baseCounts : quoteCounts)[item.Pair]++;
            }
        }

        var bases = new SwapOrder[pairCount][];
        var quotes = new SwapOrder[pairCount][];
        for (var pair = 0; pair < pairCount; pair++)
        {
            bases[pair] = new SwapOrder[baseCounts[pair]];
            quotes[pair] = new SwapOrder[quoteCounts[pair]];
        }

        Array.Clear(baseCounts);
        Array.Clear(quoteCounts);
        var keys = work.Catalog.Keys;
        for (var i = 0; i < work.Intents.Length; i++)
        {
            ref readonly var item = ref work.Intents[i];
            if (item.Fate != IntentFate.Pending || item.Pair < 0)
            {
                continue;
            }

            var (side, counts) = item.SellsBase ? (bases, baseCounts) : (quotes, quoteCounts);
            side[item.Pair][counts[item.Pair]++] =
                new SwapOrder(i, item.Deadline, item.Input, keys[item.InputKey].Exponent, item.Required, keys[item.OutputKey].Exponent);
        }

        return (bases, quotes);
    }

    private static (Fraction Price, ArraySegment<int> Bases, ArraySegment<int> Quotes, IEnumerable<int> Deferred) Choose<T, TProduct, TArith>(PairMarket<T> market)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var outcome = PairPriceSearch.Solve<T, TProduct, TArith>(market);
        var price = Fraction.Of(TArith.ToBigInteger(outcome.Price.Numerator), TArith.ToBigInteger(outcome.Price.Denominator));
        var bases = market.BaseSellers.Intents;
        var quotes = market.QuoteSellers.Intents;
        return (
            price,
            new ArraySegment<int>(bases, 0, outcome.BaseFilled),
            new ArraySegment<int>(quotes, 0, outcome.QuoteFilled),
            new ArraySegment<int>(bases, outcome.BaseFilled, bases.Length - outcome.BaseFilled)
                .Concat(new ArraySegment<int>(quotes, outcome.QuoteFilled, quotes.Length - outcome.QuoteFilled)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillAll(EpochWork work, ArraySegment<int> filled, GrossCalculator calculator)
    {
        var keys = work.Catalog.Keys;
        foreach (var index in filled)
        {
            ref var item = ref work.Intents[index];
            if (calculator.TryCompute(item.Input, keys[item.InputKey].Exponent, keys[item.OutputKey].Exponent, out var gross, out var remainder))
            {
                work.Fill(index, gross, remainder);
            }
            else
            {
                item.Fate = IntentFate.Deferred; // a gross beyond uint256 cannot be paid by any pool
            }
        }
    }

    private static PoolAmount[] Pools(TokenKey[] keys, int asset)
    {
        var pools = new List<PoolAmount>();
        foreach (var key in keys)
        {
            if (key.Asset == asset)
            {
                pools.Add(new PoolAmount(key.PoolBefore, key.Exponent));
            }
        }

        return [.. pools];
    }
}
