using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Settlement;

public class LegHasherTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(LegHasher.BlockLeaves - 1)]
    [InlineData(LegHasher.BlockLeaves)]
    [InlineData(LegHasher.BlockLeaves + 1)]
    [InlineData((3 * LegHasher.BlockLeaves) + 17)]
    public void LegHashes_BlocksHashedInParallel_EqualTheSequentialMerkleRoot(int count)
    {
        var chains = new[] { new ChainId(1), new ChainId(2) };
        var legs = chains.Select(c => Enumerable.Range(0, count)
            .Select(i => new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)i), Bytes32.FromUInt64(c.Value), Bytes32.FromUInt64((ulong)i * 7), (ulong)i))
            .ToArray()).ToArray();

        var hashes = LegHasher.LegHashes(chains, 9, legs);

        for (var leg = 0; leg < legs.Length; leg++)
        {
            Assert.Equal(MerkleTree.Root(SettlementLeaf.Hashes(chains[leg], 9, legs[leg])), hashes[leg]);
        }
    }
}
