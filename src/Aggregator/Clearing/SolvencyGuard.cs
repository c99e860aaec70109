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
        var candidates = new List<Surplus>();
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
            candidates.Add(new Surplus(x * p, q * BigInteger.Pow(10, keys[item.OutputKey].Exponent) * item.Required.ToBigInteger(), i, item.Intent.FillDeadline));
        }

        candidates.Sort(static (a, b) => a.CompareTo(b));
        var queue = new Queue<int>(candidates.Count);
        foreach (var candidate in candidates)
        {
            queue.Enqueue(candidate.Index);
        }

        return queue;
    }

    /// <summary>
    /// An intent's surplus with a sort key: floor(2^64 · surplus), capped, is monotone in the surplus, so ordering by
    /// it and comparing exactly only on equal keys is the exact order at one division per intent instead of
    /// BigInteger products in every comparison.
    /// </summary>
    private readonly struct Surplus
    {
        private static readonly BigInteger Cap = UInt128.MaxValue;

        public Surplus(BigInteger numerator, BigInteger denominator, int index, ulong deadline)
        {
            Numerator = numerator;
            Denominator = denominator;
            Index = index;
            Deadline = deadline;
            Key = denominator.IsZero ? UInt128.MaxValue : (UInt128)BigInteger.Min((numerator << 64) / denominator, Cap);
        }

        public BigInteger Numerator { get; }

        public BigInteger Denominator { get; }

        public int Index { get; }

        public ulong Deadline { get; }

        public UInt128 Key { get; }

        /// <summary>Least preferred first: lower surplus, then later deadline, then higher id (indices follow ids).</summary>
        public int CompareTo(Surplus other)
        {
            var byKey = Key.CompareTo(other.Key);
            if (byKey != 0)
            {
                return byKey;
            }

            var bySurplus = (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);
            if (bySurplus != 0)
            {
                return bySurplus;
            }

            var byDeadline = other.Deadline.CompareTo(Deadline);
            return byDeadline != 0 ? byDeadline : other.Index.CompareTo(Index);
        }
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
