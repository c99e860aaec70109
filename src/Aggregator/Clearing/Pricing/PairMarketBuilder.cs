using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Pricing;

/// <summary>
/// A valid swap intent as the price search sees it: its input (native units, scaled to asset units by
/// 10^InputExponent) and its required gross output g* (native units of the output token, scaled by 10^OutputExponent).
/// Work, its index in the epoch's id-ordered work, stands in for the intent id in every comparison.
/// </summary>
internal readonly record struct SwapOrder(int Work, ulong Deadline, UInt256 Input, int InputExponent, UInt256 Required, int OutputExponent);

/// <summary>A pool balance in native units with the exponent that scales it to asset units.</summary>
internal readonly record struct PoolAmount(UInt256 Balance, int Exponent);

/// <summary>The raw material of one pair before it is put into an arithmetic.</summary>
internal sealed record PairBook(
    SwapOrder[] BaseSellers,
    SwapOrder[] QuoteSellers,
    PoolAmount[] BasePools,
    PoolAmount[] QuotePools,
    UInt256 BaseReferencePrice,
    UInt256 QuoteReferencePrice,
    uint SpreadBps);

/// <summary>Puts a pair's book into an arithmetic: scales to asset units, sorts each side by preference, sums prefixes.</summary>
internal static class PairMarketBuilder
{
    private const uint BpsScale = 10_000;

    /// <summary>False when some amount, sum or limit leaves the arithmetic's range (then the caller widens).</summary>
    public static bool TryBuild<T, TProduct, TArith>(PairBook book, out PairMarket<T> market)
        where TArith : IExactArithmetic<T, TProduct>
    {
        market = null!;
        if (!TryBuildSide<T, TProduct, TArith>(book.BaseSellers, sellsBase: true, out var bases)
            || !TryBuildSide<T, TProduct, TArith>(book.QuoteSellers, sellsBase: false, out var quotes)
            || !TrySumPools<T, TProduct, TArith>(book.BasePools, bases.Prefix[^1], out var baseCapacity)
            || !TrySumPools<T, TProduct, TArith>(book.QuotePools, quotes.Prefix[^1], out var quoteCapacity)
            || !TArith.TryScale(book.BaseReferencePrice, 0, out var baseReference)
            || !TArith.TryScale(book.QuoteReferencePrice, 0, out var quoteReference)
            || !TArith.TryScale(BpsScale, 0, out var scale)
            || !TArith.TryScale(BpsScale - book.SpreadBps, 0, out var lowFactor)
            || !TArith.TryScale(BpsScale + book.SpreadBps, 0, out var highFactor)
            || !TArith.TryMultiply(baseReference, lowFactor, out var lowNumerator)
            || !TArith.TryMultiply(baseReference, highFactor, out var highNumerator)
            || !TArith.TryMultiply(quoteReference, scale, out var bandDenominator))
        {
            return false;
        }

        market = new PairMarket<T>(
            bases,
            quotes,
            baseCapacity,
            quoteCapacity,
            baseReference,
            quoteReference,
            new Ratio<T>(lowNumerator, bandDenominator),
            new Ratio<T>(baseReference, quoteReference),
            new Ratio<T>(highNumerator, bandDenominator));
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryBuildSide<T, TProduct, TArith>(SwapOrder[] orders, bool sellsBase, out PairSide<T> side)
        where TArith : IExactArithmetic<T, TProduct>
    {
        side = null!;
        var entries = new SideEntry<T>[orders.Length];
        var keys = new UInt128[orders.Length];
        var order = new int[orders.Length];
        for (var i = 0; i < orders.Length; i++)
        {
            ref readonly var source = ref orders[i];
            if (!TArith.TryScale(source.Input, source.InputExponent, out var amount)
                || !TArith.TryScale(source.Required, source.OutputExponent, out var required))
            {
                return false;
            }

            // A base seller accepts p ≥ required/amount; a quote seller accepts p ≤ amount/required. The key's
            // complement puts the quote sellers' higher limits first.
            var limit = sellsBase ? new Ratio<T>(required, amount) : new Ratio<T>(amount, required);
            var key = TArith.OrderKey(limit.Numerator, limit.Denominator);
            entries[i] = new SideEntry<T>(limit, amount, source.Deadline, source.Work);
            keys[i] = sellsBase ? key : UInt128.MaxValue - key;
            order[i] = i;
        }

        KeyedSort.Sort(keys, order, (a, b) => Compare<T, TProduct, TArith>(entries[a], entries[b], sellsBase));

        var limits = new Ratio<T>[entries.Length];
        var prefix = new T[entries.Length + 1];
        var intents = new int[entries.Length];
        prefix[0] = TArith.Zero;
        for (var i = 0; i < entries.Length; i++)
        {
            ref readonly var entry = ref entries[order[i]];
            limits[i] = entry.Limit;
            intents[i] = entry.Work;
            prefix[i + 1] = TArith.Add(prefix[i], entry.Amount);
            if (!TArith.InRange(prefix[i + 1]))
            {
                return false;
            }
        }

        side = new PairSide<T>(limits, prefix, intents);
        return true;
    }

    /// <summary>The pools' total in asset units; the side total plus it must stay in range too (the search adds them).</summary>
    private static bool TrySumPools<T, TProduct, TArith>(PoolAmount[] pools, T sideTotal, out T capacity)
        where TArith : IExactArithmetic<T, TProduct>
    {
        capacity = TArith.Zero;
        foreach (var pool in pools)
        {
            if (!TArith.TryScale(pool.Balance, pool.Exponent, out var units))
            {
                return false;
            }

            capacity = TArith.Add(capacity, units);
            if (!TArith.InRange(capacity))
            {
                return false;
            }
        }

        return TArith.InRange(TArith.Add(capacity, sideTotal));
    }

    private readonly record struct SideEntry<T>(Ratio<T> Limit, T Amount, ulong Deadline, int Work);

    /// <summary>Better limit first (ascending for base sellers, descending for quote sellers), then earlier deadline, then id (the work index follows it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Compare<T, TProduct, TArith>(in SideEntry<T> x, in SideEntry<T> y, bool ascending)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var byLimit = PairPriceSearch.Compare<T, TProduct, TArith>(x.Limit, y.Limit);
        if (byLimit != 0)
        {
            return ascending ? byLimit : -byLimit;
        }

        var byDeadline = x.Deadline.CompareTo(y.Deadline);
        return byDeadline != 0 ? byDeadline : x.Work.CompareTo(y.Work);
    }
}
