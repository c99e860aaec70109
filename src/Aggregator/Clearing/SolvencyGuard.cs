using System.Numerics;
using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// After prices are fixed, makes every (chain, token) pool end non-negative: while one is short, defers the
/// least-preferred fill paying out of it (lowest surplus G/g*, then latest deadline, then highest id), which also
/// takes back that intent's release and may leave another pool short, hence the worklist.
/// </summary>
internal static class SolvencyGuard
{
    public static void Enforce(EpochWork work)
    {
        var keys = work.Catalog.Keys;
        var balances = PoolBalances(work);
        var short_ = new SortedSet<int>();
        for (var k = 0; k < balances.Length; k++)
        {
            if (balances[k].Sign < 0)
            {
                short_.Add(k);
            }
        }

        var queues = new Queue<int>?[keys.Length];
        while (short_.Count > 0)
        {
            var key = short_.Min;
            var queue = queues[key] ??= LeastPreferredFirst(work, key);
            var index = queue.Dequeue();
            while (work.Intents[index].Fate != IntentFate.Filled)
            {
                index = queue.Dequeue();
            }

            ref var item = ref work.Intents[index];
            item.Fate = IntentFate.Deferred;
            balances[key] += item.Payout.ToBigInteger();
            balances[item.InputKey] -= item.Intent.InputAmount.ToBigInteger();
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
    internal static BigInteger[] PoolBalances(EpochWork work)
    {
        var keys = work.Catalog.Keys;
        var released = new ExactSum[keys.Length];
        var paid = new ExactSum[keys.Length];
        foreach (ref readonly var item in work.Intents.AsSpan())
        {
            if (item.Fate == IntentFate.Filled)
            {
                released[item.InputKey].Add(item.Intent.InputAmount);
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

    private static Queue<int> LeastPreferredFirst(EpochWork work, int key)
    {
        var surplusKeys = new List<UInt128>();
        var indices = new List<int>();
        for (var i = 0; i < work.Intents.Length; i++)
        {
            ref readonly var item = ref work.Intents[i];
            if (item.Fate == IntentFate.Filled && item.OutputKey == key)
            {
                surplusKeys.Add(SurplusKey(work, item));
                indices.Add(i);
            }
        }

        // Least preferred first: lower surplus, then later deadline, then higher id (indices follow ids). The key
        // floor(2^64·G/g*) is monotone in the surplus, so sorting on it and then exactly re-sorting each run of equal
        // keys (BigInteger once per intent of a run) gives the exact order.
        var sortedKeys = surplusKeys.ToArray();
        var order = indices.ToArray();
        Array.Sort(sortedKeys, order);
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && sortedKeys[end] == sortedKeys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                var run = new (BigInteger Numerator, BigInteger Denominator, ulong Deadline, int Index)[end - start];
                for (var i = 0; i < run.Length; i++)
                {
                    ref readonly var item = ref work.Intents[order[start + i]];
                    var (numerator, denominator) = Surplus(work, item);
                    run[i] = (numerator, denominator, item.Intent.FillDeadline, order[start + i]);
                }

                Array.Sort(run, static (a, b) =>
                {
                    var bySurplus = (a.Numerator * b.Denominator).CompareTo(b.Numerator * a.Denominator);
                    if (bySurplus != 0)
                    {
                        return bySurplus;
                    }

                    var byDeadline = b.Deadline.CompareTo(a.Deadline);
                    return byDeadline != 0 ? byDeadline : b.Index.CompareTo(a.Index);
                });
                for (var i = 0; i < run.Length; i++)
                {
                    order[start + i] = run[i].Index;
                }
            }

            start = end;
        }

        return new Queue<int>(order);
    }

    /// <summary>Surplus G/g* = x·P / (Q·10^outExp·g*) exactly, with the side's price P/Q (1/1 for a transfer); g* = 0 is +∞ (denominator 0).</summary>
    private static (BigInteger Numerator, BigInteger Denominator) Surplus(EpochWork work, in IntentWork item)
    {
        var keys = work.Catalog.Keys;
        var (p, q) = SidePrice(work, item);
        var x = item.Intent.InputAmount.ToBigInteger() * BigInteger.Pow(10, keys[item.InputKey].Exponent);
        return (x * p, q * BigInteger.Pow(10, keys[item.OutputKey].Exponent) * item.Required.ToBigInteger());
    }

    /// <summary>min(floor(2^64 · surplus), 2^128 − 1): on 128/256-bit integers when they suffice, else BigInteger.</summary>
    private static UInt128 SurplusKey(EpochWork work, in IntentWork item)
    {
        if (item.Required.IsZero)
        {
            return UInt128.MaxValue;
        }

        var keys = work.Catalog.Keys;
        var (p, q) = SidePrice(work, item);
        if (item.Intent.InputAmount.FitsUInt128 && item.Required.FitsUInt128 && p <= UInt128.MaxValue && q <= UInt128.MaxValue
            && WideMath.TryMultiply(item.Intent.InputAmount.AsUInt128, WideMath.Pow10(keys[item.InputKey].Exponent), out var units)
            && WideMath.TryMultiply((UInt128)q, WideMath.Pow10(keys[item.OutputKey].Exponent), out var scaledQ)
            && WideMath.TryMultiply(scaledQ, item.Required.AsUInt128, out var denominator))
        {
            var numerator = WideMath.Multiply(units, (UInt128)p);
            if (numerator < WideMath.Multiply(denominator, UInt128.One << 64))
            {
                return WideMath.DivRem(WideMath.ShiftLeft64(numerator), denominator, out _);
            }
        }

        var (n, d) = Surplus(work, item);
        return (UInt128)BigInteger.Min((n << 64) / d, UInt128.MaxValue);
    }

    /// <summary>The rate P/Q at which the intent's input turns into its output, in asset units.</summary>
    internal static (BigInteger P, BigInteger Q) SidePrice(EpochWork work, in IntentWork item)
    {
        if (item.Pair < 0)
        {
            return (BigInteger.One, BigInteger.One);
        }

        var price = work.Pairs[item.Pair];
        return item.SellsBase ? (price.Numerator, price.Denominator) : (price.Denominator, price.Numerator);
    }
}
