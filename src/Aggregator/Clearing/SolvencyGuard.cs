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
        var keys = work.Catalog.Keys;
        var candidates = new List<(BigInteger Numerator, BigInteger Denominator, int Index)>();
        for (var i = 0; i < work.Intents.Length; i++)
        {
            ref readonly var item = ref work.Intents[i];
            if (item.Fate != IntentFate.Filled || item.OutputKey != key)
            {
                continue;
            }

            // Surplus G/g* = x·P / (Q·10^outExp·g*), with the side's price P/Q (1/1 for a transfer); g* = 0 is +∞.
            var (p, q) = SidePrice(work, item);
            var x = item.Intent.InputAmount.ToBigInteger() * BigInteger.Pow(10, keys[item.InputKey].Exponent);
            candidates.Add((x * p, q * BigInteger.Pow(10, keys[item.OutputKey].Exponent) * item.Required.ToBigInteger(), i));
        }

        candidates.Sort((a, b) =>
        {
            var bySurplus = (a.Numerator * b.Denominator).CompareTo(b.Numerator * a.Denominator);
            if (bySurplus != 0)
            {
                return bySurplus;
            }

            var x = work.Intents[a.Index].Intent;
            var y = work.Intents[b.Index].Intent;
            var byDeadline = y.FillDeadline.CompareTo(x.FillDeadline);
            return byDeadline != 0 ? byDeadline : b.Index.CompareTo(a.Index); // indices follow intent ids
        });

        var queue = new Queue<int>(candidates.Count);
        foreach (var candidate in candidates)
        {
            queue.Enqueue(candidate.Index);
        }

        return queue;
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
