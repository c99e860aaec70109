using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing.Pricing;

/// <summary>
/// Finds a pair's uniform clearing price: among the candidates (the reference price, the band's ends and every
/// limit inside the band) the one with the largest matched volume at reference prices; ties go to the price
/// nearest the reference, then to the lower one. Candidates are visited in ascending order, so the eligible
/// prefix of each side only moves one way; the pools' limit is applied with binary searches on prefix sums.
/// </summary>
internal static class PairPriceSearch
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static PairOutcome<T> Solve<T, TProduct, TArith>(PairMarket<T> market)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var bases = market.BaseSellers;
        var quotes = market.QuoteSellers;
        Span<Ratio<T>> specials = [market.Low, market.Reference, market.High];

        // Base limits ascend; quote limits descend, so they are walked from the end.
        var nextBase = 0;
        var nextQuote = quotes.Count - 1;
        var nextSpecial = 0;
        var eligibleBases = 0;
        var eligibleQuotes = quotes.Count;

        var found = false;
        var best = default(PairOutcome<T>);
        var bestVolume = default(TProduct)!;

        while (true)
        {
            // The smallest remaining candidate; limits outside the band are skipped.
            while (nextBase < bases.Count && Compare<T, TProduct, TArith>(bases.Limits[nextBase], market.Low) < 0)
            {
                nextBase++;
            }

            while (nextQuote >= 0 && Compare<T, TProduct, TArith>(quotes.Limits[nextQuote], market.Low) < 0)
            {
                nextQuote--;
            }

            var hasBase = nextBase < bases.Count && Compare<T, TProduct, TArith>(bases.Limits[nextBase], market.High) <= 0;
            var hasQuote = nextQuote >= 0 && Compare<T, TProduct, TArith>(quotes.Limits[nextQuote], market.High) <= 0;
            var hasSpecial = nextSpecial < specials.Length;
            if (!hasBase && !hasQuote && !hasSpecial)
            {
                break;
            }

            Ratio<T> price;
            if (hasSpecial
                && (!hasBase || Compare<T, TProduct, TArith>(specials[nextSpecial], bases.Limits[nextBase]) <= 0)
                && (!hasQuote || Compare<T, TProduct, TArith>(specials[nextSpecial], quotes.Limits[nextQuote]) <= 0))
            {
                price = specials[nextSpecial++];
            }
            else if (hasBase && (!hasQuote || Compare<T, TProduct, TArith>(bases.Limits[nextBase], quotes.Limits[nextQuote]) <= 0))
            {
                price = bases.Limits[nextBase++];
            }
            else
            {
                price = quotes.Limits[nextQuote--];
            }

            // A price must be positive (a zero-width band's low end, or a zero limit, is not a price).
            if (TArith.Compare(price.Numerator, TArith.Zero) == 0)
            {
                continue;
            }

            while (eligibleBases < bases.Count && Compare<T, TProduct, TArith>(bases.Limits[eligibleBases], price) <= 0)
            {
                eligibleBases++;
            }

            while (eligibleQuotes > 0 && Compare<T, TProduct, TArith>(quotes.Limits[eligibleQuotes - 1], price) < 0)
            {
                eligibleQuotes--;
            }

            var (filledBases, filledQuotes) = FitToPools<T, TProduct, TArith>(market, price, eligibleBases, eligibleQuotes);
            var volume = TArith.AddProducts(
                TArith.Multiply(bases.Prefix[filledBases], market.BaseReferencePrice),
                TArith.Multiply(quotes.Prefix[filledQuotes], market.QuoteReferencePrice));

            if (!found || IsBetter<T, TProduct, TArith>(volume, price, bestVolume, best.Price, market.Reference))
            {
                found = true;
                best = new PairOutcome<T>(price, filledBases, filledQuotes);
                bestVolume = volume;
            }
        }

        return best;
    }

    /// <summary>
    /// Cuts the heavier side to its longest prefix whose net the pools can take (base sellers' net needs quote
    /// liquidity, quote sellers' net needs base liquidity), alternating until both directions fit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static (int Bases, int Quotes) FitToPools<T, TProduct, TArith>(PairMarket<T> market, Ratio<T> price, int bases, int quotes)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var basePrefix = market.BaseSellers.Prefix;
        var quotePrefix = market.QuoteSellers.Prefix;
        var (a, b) = price;
        while (true)
        {
            // X·p − Y ≤ C_quote  ⇔  X·a ≤ (Y + C_quote)·b
            var quoteLimit = TArith.Multiply(TArith.Add(quotePrefix[quotes], market.QuoteCapacity), b);
            if (TArith.CompareProducts(TArith.Multiply(basePrefix[bases], a), quoteLimit) > 0)
            {
                bases = LongestPrefix<T, TProduct, TArith>(basePrefix, bases, a, quoteLimit);
                continue;
            }

            // Y/p − X ≤ C_base  ⇔  Y·b ≤ (X + C_base)·a
            var baseLimit = TArith.Multiply(TArith.Add(basePrefix[bases], market.BaseCapacity), a);
            if (TArith.CompareProducts(TArith.Multiply(quotePrefix[quotes], b), baseLimit) > 0)
            {
                quotes = LongestPrefix<T, TProduct, TArith>(quotePrefix, quotes, b, baseLimit);
                continue;
            }

            return (bases, quotes);
        }
    }

    /// <summary>The largest k &lt; upper with prefix[k]·factor ≤ limit (prefix[0] = 0 always qualifies).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LongestPrefix<T, TProduct, TArith>(T[] prefix, int upper, T factor, TProduct limit)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var low = 0;
        var high = upper;
        while (high - low > 1)
        {
            var middle = low + ((high - low) / 2);
            if (TArith.CompareProducts(TArith.Multiply(prefix[middle], factor), limit) <= 0)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>Larger volume wins; then the price nearer the reference; then the lower price. <paramref name="price"/> ≥ <paramref name="bestPrice"/>.</summary>
    private static bool IsBetter<T, TProduct, TArith>(TProduct volume, Ratio<T> price, TProduct bestVolume, Ratio<T> bestPrice, Ratio<T> reference)
        where TArith : IExactArithmetic<T, TProduct>
    {
        var byVolume = TArith.CompareProducts(volume, bestVolume);
        if (byVolume != 0)
        {
            return byVolume > 0;
        }

        if (Compare<T, TProduct, TArith>(price, bestPrice) == 0 || Compare<T, TProduct, TArith>(bestPrice, reference) >= 0)
        {
            return false;
        }

        if (Compare<T, TProduct, TArith>(price, reference) <= 0)
        {
            return true;
        }

        // bestPrice < reference < price: nearer iff price + bestPrice < 2·reference (rare, so BigInteger).
        BigInteger a = TArith.ToBigInteger(price.Numerator), b = TArith.ToBigInteger(price.Denominator);
        BigInteger c = TArith.ToBigInteger(bestPrice.Numerator), d = TArith.ToBigInteger(bestPrice.Denominator);
        BigInteger rn = TArith.ToBigInteger(reference.Numerator), rd = TArith.ToBigInteger(reference.Denominator);
        return ((a * d) + (c * b)) * rd < 2 * rn * b * d;
    }

    /// <summary>Compares two fractions by cross products (a zero denominator is +∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int Compare<T, TProduct, TArith>(Ratio<T> x, Ratio<T> y)
        where TArith : IExactArithmetic<T, TProduct> =>
        TArith.CompareProducts(TArith.Multiply(x.Numerator, y.Denominator), TArith.Multiply(y.Numerator, x.Denominator));
}
