using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Bench;

/// <summary>
/// The floor the clearing is measured against: the least work any clearing must do — sort the intents and hash
/// two leaves per intent (a release and a payout) into a Merkle root — done the fastest way this code knows:
/// leaves hashed in batches on the fastest Keccak path (<see cref="Keccak256Batch.Path"/>), aligned blocks of the
/// tree folded on every core, then the root of the block roots.
/// </summary>
internal static class ClearingFloor
{
    private const int BlockLeaves = 1 << 12;

    public static Bytes32 Compute(EpochInput input)
    {
        var intents = input.Intents.ToArray();
        Array.Sort(intents, static (a, b) => a.IntentId.CompareTo(b.IntentId));

        var leafCount = intents.Length * 2;
        var blocks = (leafCount + BlockLeaves - 1) / BlockLeaves;
        var blockRoots = new Bytes32[blocks];
        var epochId = input.EpochId;
        Parallel.For(
            0,
            blocks,
            () => (Preimages: new byte[BlockLeaves * SettlementLeaf.EncodedLength], Digests: new byte[BlockLeaves * 32]),
            (block, _, buffers) =>
            {
                var start = block * BlockLeaves;
                var count = Math.Min(BlockLeaves, leafCount - start);
                var preimages = buffers.Preimages.AsSpan(0, count * SettlementLeaf.EncodedLength);
                for (var i = 0; i < count; i++)
                {
                    var leaf = start + i;
                    var intent = intents[leaf / 2];
                    var destination = preimages[(i * SettlementLeaf.EncodedLength)..];
                    if (leaf % 2 == 0)
                    {
                        SettlementLeaf.Encode(intent.OriginChainId, epochId, Release(intent), destination);
                    }
                    else
                    {
                        SettlementLeaf.Encode(intent.DestinationChainId, epochId, Payout(intent), destination);
                    }
                }

                var digests = buffers.Digests.AsSpan(0, count * 32);
                Keccak256Batch.Hash(preimages, SettlementLeaf.EncodedLength, digests);
                blockRoots[block] = MerkleTree.RootInPlace(digests);
                return buffers;
            },
            static _ => { });

        return MerkleTree.Root(blockRoots);
    }

    /// <summary>Nanoseconds per 224-byte leaf hashed on one core by the given Keccak path (best of three passes).</summary>
    public static double LeafHashNanoseconds(KeccakPath path, int leaves)
    {
        var preimages = new byte[leaves * SettlementLeaf.EncodedLength];
        new Random(7).NextBytes(preimages);
        var digests = new byte[leaves * 32];
        Keccak256Batch.Hash(preimages.AsSpan(0, 4 * SettlementLeaf.EncodedLength), SettlementLeaf.EncodedLength, digests, path);
        var best = long.MaxValue;
        for (var pass = 0; pass < 3; pass++)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            Keccak256Batch.Hash(preimages, SettlementLeaf.EncodedLength, digests, path);
            best = Math.Min(best, System.Diagnostics.Stopwatch.GetTimestamp() - started);
        }

        return best * 1e9 / System.Diagnostics.Stopwatch.Frequency / leaves;
    }

    private static SettlementAction Release(Intent intent) =>
        new(ActionKind.Release, intent.IntentId, intent.InputToken, Bytes32.Zero, UInt256.Zero);

    private static SettlementAction Payout(Intent intent) =>
        new(ActionKind.Payout, intent.IntentId, intent.OutputToken, intent.Recipient, intent.MinOutputAmount);
}
