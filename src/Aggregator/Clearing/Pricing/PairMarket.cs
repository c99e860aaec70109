namespace DiscreteExec.Aggregator.Clearing.Pricing;

/// <summary>An exact non-negative fraction; a zero denominator with a positive numerator is +∞.</summary>
internal readonly record struct Ratio<T>(T Numerator, T Denominator);

/// <summary>
/// One side of a pair in preference order (best limit first, then earlier deadline, then intent id), so that
/// the intents eligible at any price, and every fill the pools allow, are a prefix of it.
/// </summary>
internal sealed class PairSide<T>
{
    public PairSide(Ratio<T>[] limits, T[] prefix, int[] intents)
    {
        Limits = limits;
        Prefix = prefix;
        Intents = intents;
    }

    /// <summary>Base sellers: the least price each accepts (ascending). Quote sellers: the greatest (descending).</summary>
    public Ratio<T>[] Limits { get; }

    /// <summary>Prefix[k] = the amounts (asset units) of the first k intents; Prefix.Length = Count + 1.</summary>
    public T[] Prefix { get; }

    /// <summary>Work indices of the intents, in preference order.</summary>
    public int[] Intents { get; }

    public int Count => Intents.Length;
}

/// <summary>Everything the price search of one pair needs, in asset units.</summary>
internal sealed record PairMarket<T>(
    PairSide<T> BaseSellers,
    PairSide<T> QuoteSellers,
    T BaseCapacity,
    T QuoteCapacity,
    T BaseReferencePrice,
    T QuoteReferencePrice,
    Ratio<T> Low,
    Ratio<T> Reference,
    Ratio<T> High);

/// <summary>The chosen price and how many intents of each side (a prefix in preference order) fill at it.</summary>
internal readonly record struct PairOutcome<T>(Ratio<T> Price, int BaseFilled, int QuoteFilled);
