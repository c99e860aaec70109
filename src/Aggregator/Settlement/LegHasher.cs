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
    private const int BlockLeaves = 1 << 12;

    public static Bytes32 LegHash(ChainId chainId, ulong epochId, SettlementAction[] actions)
    {
        var blocks = (actions.Length + BlockLeaves - 1) / BlockLeaves;
        if (blocks <= 1)
        {
            return MerkleTree.Root(SettlementLeaf.Hashes(chainId, epochId, actions));
        }

        var roots = new Bytes32[blocks];
        Parallel.For(
            0,
            blocks,
            () => new Bytes32[BlockLeaves],
            (block, _, leaves) =>
            {
                var start = block * BlockLeaves;
                var count = Math.Min(BlockLeaves, actions.Length - start);
                for (var i = 0; i < count; i++)
                {
                    leaves[i] = SettlementLeaf.Hash(chainId, epochId, actions[start + i]);
                }

                roots[block] = MerkleTree.Root(leaves.AsSpan(0, count));
                return leaves;
            },
            static _ => { });
        return MerkleTree.Root(roots);
    }
}
