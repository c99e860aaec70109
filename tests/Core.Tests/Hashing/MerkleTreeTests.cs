using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Core.Tests.Hashing;

// Expected roots computed with cast only (foundry 1.7.1), independent of this code:
//   pair(){ if [[ "$1" < "$2" ]]; then cast keccak $(cast concat-hex $1 $2); else cast keccak $(cast concat-hex $2 $1); fi; }
//   AB=$(pair $A $B); ABC=$(pair $AB $C); ABCD=$(pair $AB $(pair $C $D)); ABCDE=$(pair $ABCD $E)
public class MerkleTreeTests
{
    private static readonly Bytes32 A = Bytes32.Parse("0x3d0a0b7e7ed15dcd9d7828324e7c16b853c08ed36616328da03433efad76cebc");
    private static readonly Bytes32 B = Bytes32.Parse("0xb6f26a559c2666c35e21d8d8e056306f6631769e31671f5ba26d3a09c9a88d77");
    private static readonly Bytes32 C = Bytes32.Parse("0x419a5a2770e73a228777bd4b46cbc3662c0904c76f61d64975abe48777eff835");
    private static readonly Bytes32 D = Bytes32.Parse("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
    private static readonly Bytes32 E = Bytes32.Parse("0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");

    [Fact]
    public void Root_NoLeaves_IsZero() => Assert.Equal(Bytes32.Zero, MerkleTree.Root([]));

    [Fact]
    public void Root_OneLeaf_IsThatLeaf() => Assert.Equal(A, MerkleTree.Root([A]));

    [Fact]
    public void Root_TwoLeaves_MatchesCast() =>
        Assert.Equal(Bytes32.Parse("0xdb8715efd1c41f406e784555c0f4aa2634f9271982321f63523f609b4f910e1b"), MerkleTree.Root([A, B]));

    [Fact]
    public void Root_TwoLeavesEitherOrder_IsTheSame() => Assert.Equal(MerkleTree.Root([A, B]), MerkleTree.Root([B, A]));

    [Fact]
    public void Root_ThreeLeaves_PromotesTheOddLeafAndMatchesCast() =>
        Assert.Equal(Bytes32.Parse("0x33d7b3cf4f46105c92e2c865ed587b3a7cae9bdbdc21495593b883365cd30a4f"), MerkleTree.Root([A, B, C]));

    [Fact]
    public void Root_FourLeaves_MatchesCast() =>
        Assert.Equal(Bytes32.Parse("0x07e4e6c243d85072f6ebe5669014df981b76bd78b09fe091c654daa9694c823a"), MerkleTree.Root([A, B, C, D]));

    [Fact]
    public void Root_FiveLeaves_MatchesCast() =>
        Assert.Equal(Bytes32.Parse("0x44bf9f6d43cb633805c6aeb354cf9969ccd9f0956e3c4653937ca2625cc1af5a"), MerkleTree.Root([A, B, C, D, E]));

    [Fact]
    public void Proof_EveryLeafOfFive_FoldsToTheRoot()
    {
        Bytes32[] leaves = [A, B, C, D, E];
        var root = MerkleTree.Root(leaves);
        for (var i = 0; i < leaves.Length; i++)
        {
            Assert.Equal(root, MerkleTree.RootFromProof(leaves[i], MerkleTree.Proof(leaves, i)));
        }
    }
    [Fact]
    public void Proof_ThirdLeafOfFive_SiblingsAreTheCastNodesAndFoldToTheCastRoot()
    {
        var castAB = Bytes32.Parse("0xdb8715efd1c41f406e784555c0f4aa2634f9271982321f63523f609b4f910e1b");
        var castRoot = Bytes32.Parse("0x44bf9f6d43cb633805c6aeb354cf9969ccd9f0956e3c4653937ca2625cc1af5a");

        var proof = MerkleTree.Proof([A, B, C, D, E], 2);

        Assert.Equal([D, castAB, E], proof);
        Assert.Equal(castRoot, MerkleTree.RootFromProof(C, proof));
    }

    [Fact]
    public void RootInPlace_FiveCastLeaves_EqualsTheRootOfTheSameLeaves()
    {
        Bytes32[] leaves = [A, B, C, D, E];

        Assert.Equal(MerkleTree.Root(leaves), MerkleTree.RootInPlace(Flat(leaves)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(1001)]
    public void RootInPlace_RandomLeaves_EqualsRoot(int count)
    {
        var random = new Random(count);
        var leaves = Enumerable.Range(0, count).Select(_ =>
        {
            var bytes = new byte[32];
            random.NextBytes(bytes);
            return new Bytes32(bytes);
        }).ToArray();

        Assert.Equal(MerkleTree.Root(leaves), MerkleTree.RootInPlace(Flat(leaves)));
    }

    private static byte[] Flat(Bytes32[] leaves)
    {
        var flat = new byte[leaves.Length * 32];
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i].CopyTo(flat.AsSpan(i * 32));
        }

        return flat;
    }
}

public class MerkleTreeLargeTests
{
    [Fact]
    public void Root_LevelsWideEnoughToHashInParallel_EqualsTheSequentialFold()
    {
        // 70,001 leaves: the first level takes the parallel path and ends on an odd node.
        var leaves = Enumerable.Range(0, 70_001).Select(i => Bytes32.FromUInt64((ulong)i * 2_654_435_761UL)).ToArray();
        var level = leaves;
        while (level.Length > 1)
        {
            var next = new Bytes32[(level.Length + 1) / 2];
            for (var i = 0; i + 1 < level.Length; i += 2)
            {
                next[i / 2] = MerkleTree.HashPair(level[i], level[i + 1]);
            }

            if (level.Length % 2 == 1)
            {
                next[^1] = level[^1];
            }

            level = next;
        }

        Assert.Equal(level[0], MerkleTree.Root(leaves));
    }

}
