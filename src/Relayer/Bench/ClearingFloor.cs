using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Bench;

/// <summary>
/// The floor the clearing is measured against: the least work any clearing must do — sort the intents and hash
/// two leaves per intent (a release and a payout) into a Merkle root, with the same parallelism clearing may use.
/// </summary>
internal static class ClearingFloor
{
    public static Bytes32 Compute(EpochInput input)
    {
        var intents = input.Intents.ToArray();
        Array.Sort(intents, static (a, b) => a.IntentId.CompareTo(b.IntentId));

        var leaves = new Bytes32[intents.Length * 2];
        var epochId = input.EpochId;
        Parallel.For(0, Environment.ProcessorCount, worker =>
        {
            var (start, end) = Slice(intents.Length, worker, Environment.ProcessorCount);
            for (var i = start; i < end; i++)
            {
                leaves[2 * i] = SettlementLeaf.Hash(intents[i].OriginChainId, epochId, Release(intents[i]));
                leaves[(2 * i) + 1] = SettlementLeaf.Hash(intents[i].DestinationChainId, epochId, Payout(intents[i]));
            }
        });

        return MerkleTree.Root(leaves);
    }

    private static SettlementAction Release(Intent intent) =>
        new(ActionKind.Release, intent.IntentId, intent.InputToken, Bytes32.Zero, UInt256.Zero);

    private static SettlementAction Payout(Intent intent) =>
        new(ActionKind.Payout, intent.IntentId, intent.OutputToken, intent.Recipient, intent.MinOutputAmount);

    private static (int Start, int End) Slice(int count, int worker, int workers)
    {
        var size = (count + workers - 1) / workers;
        var start = Math.Min(count, worker * size);
        return (start, Math.Min(count, start + size));
    }
}
