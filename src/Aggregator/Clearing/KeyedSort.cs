using System.Runtime.CompilerServices;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// Sorts indices in an exact order that is costly to compare (fractions, 32-byte ids) by first sorting on a cheap
/// primitive key that never contradicts it, then exactly re-sorting each run of equal keys. Sorting primitive keys
/// is the runtime's fastest sort, and the runs are short, so the exact comparer runs a few times per item instead
/// of log n times.
/// </summary>
internal static class KeyedSort
{
    /// <summary>
    /// Sorts <paramref name="order"/> (and <paramref name="keys"/> with it). The key must be monotone in the exact
    /// order: a &lt; b exactly implies key(a) ≤ key(b); <paramref name="exact"/> decides within equal keys.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sort<TKey>(TKey[] keys, int[] order, Comparison<int> exact)
        where TKey : IEquatable<TKey>
    {
        Array.Sort(keys, order);
        for (var start = 0; start < order.Length;)
        {
            var end = start + 1;
            while (end < order.Length && keys[end].Equals(keys[start]))
            {
                end++;
            }

            if (end - start > 1)
            {
                order.AsSpan(start, end - start).Sort(exact);
            }

            start = end;
        }
    }
}
