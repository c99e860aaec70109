using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>Same-asset transfers fill 1:1 in asset units less the fee when that meets the limit; otherwise they wait.</summary>
internal static class TransferClearing
{
    public static void Clear(EpochWork work)
    {
        // Each transfer is decided on its own and written at its own index.
        IntentRanges.For(work.Intents.Length, i => ClearOne(work, i));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClearOne(EpochWork work, int index)
    {
        var keys = work.Catalog.Keys;
        ref var item = ref work.Intents[index];
        if (item.Fate != IntentFate.Pending || item.Pair >= 0)
        {
            return;
        }

        if (GrossCalculator.Identity.TryCompute(item.Input, keys[item.InputKey].Exponent, keys[item.OutputKey].Exponent, out var gross, out var remainder)
            && gross >= item.Required)
        {
            work.Fill(index, gross, remainder);
        }
        else
        {
            item.Fate = IntentFate.Deferred;
        }
    }
}
