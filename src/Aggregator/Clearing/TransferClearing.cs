using DiscreteExec.Aggregator.Clearing.Arithmetic;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>Same-asset transfers fill 1:1 in asset units less the fee when that meets the limit; otherwise they wait.</summary>
internal static class TransferClearing
{
    public static void Clear(EpochWork work)
    {
        var keys = work.Catalog.Keys;
        for (var i = 0; i < work.Intents.Length; i++)
        {
            ref var item = ref work.Intents[i];
            if (item.Fate != IntentFate.Pending || item.Pair >= 0)
            {
                continue;
            }

            if (GrossCalculator.Identity.TryCompute(item.Intent.InputAmount, keys[item.InputKey].Exponent, keys[item.OutputKey].Exponent, out var gross, out var remainder)
                && gross >= item.Required)
            {
                work.Fill(i, gross, remainder);
            }
            else
            {
                item.Fate = IntentFate.Deferred;
            }
        }
    }
}
