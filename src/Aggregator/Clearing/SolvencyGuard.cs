using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// After prices are fixed, makes every (chain, token) pool end non-negative: while one is short, defers the
/// least-preferred fill paying out of it (lowest surplus G/g*, then latest deadline, then highest id), which also
/// takes back that intent's release and may leave another pool short, hence the worklist.
/// </summary>
internal static class SolvencyGuard
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Enforce(EpochWork work)
    {
        var keys = work.Catalog.Keys;
        var balances = Array.ConvertAll(PoolBalances(work), balance => new SignedBalance(balance));
        var short_ = new SortedSet<int>();
        for (var k = 0; k < balances.Length; k++)
        {
            if (balances[k].Sign < 0)
            {
                short_.Add(k);
            }
        }

        // Fills paying out of each pool, grouped once: a fill deferred later is skipped when dequeued, so grouping
        // before the worklist runs gives the same order as scanning every intent each time a pool goes short.
        var payers = short_.Count > 0 ? FillsByPayoutKey(work) : [];
        var rates = SideRates(work);
        var queues = new Queue<int>?[keys.Length];

        // The pools short from the start each need their queue: they are built side by side, each into its own slot
        // (the order of a queue depends on its fills only). Pools that go short later get theirs when they do.
        var initiallyShort = short_.ToArray();
        Parallel.For(0, initiallyShort.Length, s => queues[initiallyShort[s]] = LeastPreferredFirst(work, rates, payers[initiallyShort[s]]));
        while (short_.Count > 0)
        {
            var key = short_.Min;
            var queue = queues[key] ??= LeastPreferredFirst(work, rates, payers[key]);
            var index = queue.Dequeue();
            while (work.Intents[index].Fate != IntentFate.Filled)
            {
                index = queue.Dequeue();
            }

            ref var item = ref work.Intents[index];
            item.Fate = IntentFate.Deferred;
            balances[key].Add(item.Payout);
            balances[item.InputKey].Subtract(item.Input);
            if (balances[key].Sign >= 0)
            {
                short_.Remove(key);
            }

            if (balances[item.InputKey].Sign < 0)
            {
                short_.Add(item.InputKey);
            }
        }
    }

    /// <summary>Per registered (chain, token): pool before + releases − payouts of the current fills, in native units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static BigInteger[] PoolBalances(EpochWork work)
    {
        var keys = work.Catalog.Keys;
        var released = new ExactSum[keys.Length];
        var paid = new ExactSum[keys.Length];
        foreach (ref readonly var item in work.Intents.AsSpan())
        {
            if (item.Fate == IntentFate.Filled)
            {
                released[item.InputKey].Add(item.Input);
                paid[item.OutputKey].Add(item.Payout);
            }
        }

        var balances = new BigInteger[keys.Length];
        for (var k = 0; k < keys.Length; k++)
        {
            balances[k] = keys[k].PoolBefore.ToBigInteger() + released[k].Value - paid[k].Value;
        }

        return balances;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[][] FillsByPayoutKey(EpochWork work)
    {
        var counts = new int[work.Catalog.Keys.Length];
        foreach (ref readonly var item in work.Intents.AsSpan())
        {
            if (item.Fate == IntentFate.Filled)
            {
                counts[item.OutputKey]++;
            }
        }

        var payers = new int[counts.Length][];
        for (var k = 0; k < counts.Length; k++)
        {
            payers[k] = new int[counts[k]];
            counts[k] = 0;
        }

        for (var i = 0; i < work.Intents.Length; i++)
        {
            ref readonly var item = ref work.Intents[i];
            if (item.Fate == IntentFate.Filled)
            {
                payers[item.OutputKey][counts[item.OutputKey]++] = i;
            }
        }

        return payers;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static Queue<int> LeastPreferredFirst(EpochWork work, SideRate[] rates, int[] indices)
    {
        var keys = new UInt128[indices.Length];
        var fractions = new KeyFraction[indices.Length];
        var order = new int[indices.Length];
        for (var i = 0; i < indices.Length; i++)
        {
            keys[i] = SurplusKey(work, rates, work.Intents[indices[i]], out fractions[i]);
            order[i] = i;
        }

        // Least preferred first: lower surplus, then later deadline, then higher id (indices follow ids). The key
        // floor(2^64·G/g*) is monotone in the surplus; within equal keys the surplus is ordered by what the key
        // dropped, r/D, compared exactly on 256-bit products (BigInteger only off the 128-bit path).
        KeyedSort.Sort(keys, order, (a, b) =>
        {
            var x = fractions[a];
            var y = fractions[b];
            var bySurplus = x.Denominator != UInt128.Zero && y.Denominator != UInt128.Zero
                ? WideMath.Multiply(x.Remainder, y.Denominator).CompareTo(WideMath.Multiply(y.Remainder, x.Denominator))
                : CompareSurplus(work, rates, work.Intents[indices[a]], work.Intents[indices[b]]);
            if (bySurplus != 0)
            {
                return bySurplus;
            }

            var byDeadline = work.Intents[indices[b]].Deadline.CompareTo(work.Intents[indices[a]].Deadline);
            return byDeadline != 0 ? byDeadline : indices[b].CompareTo(indices[a]);
        });

        var queue = new Queue<int>(order.Length);
        foreach (var position in order)
        {
            queue.Enqueue(indices[position]);
        }

        return queue;
    }

    /// <summary>
    /// What a surplus key floor(2^64·N/D) left out: G/g* = (key + Remainder/Denominator) / 2^64. A zero denominator
    /// marks a key computed off the 128-bit path, compared with BigInteger instead.
    /// </summary>
    private readonly record struct KeyFraction(UInt128 Remainder, UInt128 Denominator);

    private static int CompareSurplus(EpochWork work, SideRate[] rates, in IntentWork x, in IntentWork y)
    {
        var (xn, xd) = Surplus(work, rates, x);
        var (yn, yd) = Surplus(work, rates, y);
        return (xn * yd).CompareTo(yn * xd);
    }

    /// <summary>Surplus G/g* = x·P / (Q·10^outExp·g*) exactly, with the side's price P/Q (1/1 for a transfer); g* = 0 is +∞ (denominator 0).</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Surplus(EpochWork work, SideRate[] rates, in IntentWork item)
    {
        var keys = work.Catalog.Keys;
        var rate = Rate(rates, item);
        var x = item.Input.ToBigInteger() * BigInteger.Pow(10, keys[item.InputKey].Exponent);
        return (x * rate.P, rate.Q * BigInteger.Pow(10, keys[item.OutputKey].Exponent) * item.Required.ToBigInteger());
    }

    /// <summary>min(floor(2^64 · surplus), 2^128 − 1): on 128/256-bit integers when they suffice, else BigInteger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static UInt128 SurplusKey(EpochWork work, SideRate[] rates, in IntentWork item, out KeyFraction fraction)
    {
        fraction = default;
        if (item.Required.IsZero)
        {
            return UInt128.MaxValue;
        }

        var keys = work.Catalog.Keys;
        var rate = Rate(rates, item);
        if (rate.Narrow && item.Input.FitsUInt128 && item.Required.FitsUInt128
            && WideMath.TryMultiply(item.Input.AsUInt128, WideMath.Pow10(keys[item.InputKey].Exponent), out var units)
            && WideMath.TryMultiply(rate.NarrowQ, WideMath.Pow10(keys[item.OutputKey].Exponent), out var scaledQ)
            && WideMath.TryMultiply(scaledQ, item.Required.AsUInt128, out var denominator))
        {
            var numerator = WideMath.Multiply(units, rate.NarrowP);
            if (numerator < WideMath.Multiply(denominator, UInt128.One << 64))
            {
                var key = WideMath.DivRem(WideMath.ShiftLeft64(numerator), denominator, out var remainder);
                fraction = new KeyFraction(remainder, denominator);
                return key;
            }
        }

        var (n, d) = Surplus(work, rates, item);
        return (UInt128)BigInteger.Min((n << 64) / d, UInt128.MaxValue);
    }

    /// <summary>The rate P/Q at which an intent's input turns into its output, in asset units; 128-bit copies when both fit.</summary>
    private sealed class SideRate
    {
        public SideRate(BigInteger p, BigInteger q)
        {
            P = p;
            Q = q;
            Narrow = p <= UInt128.MaxValue && q <= UInt128.MaxValue;
            if (Narrow)
            {
                NarrowP = (UInt128)p;
                NarrowQ = (UInt128)q;
            }
        }

        public BigInteger P { get; }

        public BigInteger Q { get; }

        public bool Narrow { get; }

        public UInt128 NarrowP { get; }

        public UInt128 NarrowQ { get; }
    }

    private static readonly SideRate Transfer = new(BigInteger.One, BigInteger.One);

    /// <summary>Per pair code, the base sellers' rate at even positions and the quote sellers' at odd ones (decided once, not per fill).</summary>
    private static SideRate[] SideRates(EpochWork work)
    {
        var rates = new SideRate[2 * work.AssetCount * work.AssetCount];
        foreach (var (code, price) in work.Pairs)
        {
            rates[2 * code] = new SideRate(price.Numerator, price.Denominator);
            rates[(2 * code) + 1] = new SideRate(price.Denominator, price.Numerator);
        }

        return rates;
    }

    private static SideRate Rate(SideRate[] rates, in IntentWork item) =>
        item.Pair < 0 ? Transfer : rates[(2 * item.Pair) + (item.SellsBase ? 0 : 1)];
}
