using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// Runs per-intent work over every core in contiguous ranges. Only for work that reads shared state and writes at
/// its own index, so the result never depends on which core ran which range or when.
/// </summary>
internal static class IntentRanges
{
    // Large enough that scheduling costs nothing per intent, small enough to balance cores that other work shares.
    private const int RangeSize = 1 << 14;

    public static void For(int count, Action<int> body)
    {
        if (count == 0)
        {
            return;
        }

        Parallel.ForEach(Partitioner.Create(0, count, RangeSize), [MethodImpl(MethodImplOptions.AggressiveOptimization)] (range) =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                body(i);
            }
        });
    }
}
