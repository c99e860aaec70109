using System.Runtime.CompilerServices;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Settlement;

/// <summary>
/// legHash = MerkleTree.Root of a leg's leaves, computed across cores. The tree pairs nodes by position and only
/// ever promotes the last odd node of a level, so the root of each aligned block of 2^k leaves is exactly the
/// tree's node k levels up (the last, shorter block included): hashing blocks in parallel and then taking the
/// root of the block roots gives the same bytes as one sequential pass.
/// </summary>
internal static class LegHasher
{
    internal const int BlockLeaves = 1 << 12;

    /// <summary>The leg hash of every leg; all legs' blocks share one parallel loop so that cores stay busy.</summary>
    public static Bytes32[] LegHashes(ChainId[] chainIds, ulong epochId, SettlementAction[][] legs)
    {
        var blockRoots = new Bytes32[legs.Length][];
        var work = new List<(int Leg, int Block)>();
        for (var leg = 0; leg < legs.Length; leg++)
        {
            var blocks = (legs[leg].Length + BlockLeaves - 1) / BlockLeaves;
            blockRoots[leg] = new Bytes32[blocks];
            for (var block = 0; block < blocks; block++)
            {
                work.Add((leg, block));
            }
        }

        // Each worker encodes a block's leaf preimages end to end, hashes them as one batch (four at a time in
        // vectors where the CPU has them) and folds the block's tree in place over the same flat digests.
        Parallel.For(
            0,
            work.Count,
            () => (Preimages: new byte[BlockLeaves * SettlementLeaf.EncodedLength], Digests: new byte[BlockLeaves * 32]),
            [MethodImpl(MethodImplOptions.AggressiveOptimization)] (w, _, buffers) =>
            {
                var (leg, block) = work[w];
                var actions = legs[leg];
                var start = block * BlockLeaves;
                var count = Math.Min(BlockLeaves, actions.Length - start);
                var preimages = buffers.Preimages.AsSpan(0, count * SettlementLeaf.EncodedLength);
                for (var i = 0; i < count; i++)
                {
                    SettlementLeaf.Encode(chainIds[leg], epochId, actions[start + i], preimages[(i * SettlementLeaf.EncodedLength)..]);
                }

                var digests = buffers.Digests.AsSpan(0, count * 32);
                Keccak256Batch.Hash(preimages, SettlementLeaf.EncodedLength, digests);
                blockRoots[leg][block] = MerkleTree.RootInPlace(digests);
                return buffers;
            },
            static _ => { });

        var hashes = new Bytes32[legs.Length];
        for (var leg = 0; leg < legs.Length; leg++)
        {
            hashes[leg] = MerkleTree.Root(blockRoots[leg]);
        }

        return hashes;
    }
}
