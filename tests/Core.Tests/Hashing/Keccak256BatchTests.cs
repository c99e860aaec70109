using System.Runtime.Intrinsics;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Core.Tests.Hashing;

public class Keccak256BatchTests
{
    public static TheoryData<KeccakPath> Paths => [KeccakPath.Scalar, KeccakPath.Vector256];

    [Theory]
    [MemberData(nameof(Paths))]
    public void Hash_CastVectorsSideBySide_EachDigestMatchesCast(KeccakPath path)
    {
        // Five 272-byte messages (two full blocks, then a padding-only block): counting bytes, each message shifted
        // by its index. The first is the `cast keccak` vector of Keccak256Tests; the others are checked against it
        // below through the scalar path, which those vectors pin.
        const int length = 272;
        var messages = new byte[5 * length];
        for (var m = 0; m < 5; m++)
        {
            for (var i = 0; i < length; i++)
            {
                messages[(m * length) + i] = (byte)(i + m);
            }
        }

        var digests = new byte[5 * 32];
        Keccak256Batch.Hash(messages, length, digests, path);

        Assert.Equal(Bytes32.Parse("0xfdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e"), new Bytes32(digests.AsSpan(0, 32)));
        for (var m = 1; m < 5; m++)
        {
            Assert.Equal(Keccak256.Hash(messages.AsSpan(m * length, length)), new Bytes32(digests.AsSpan(m * 32, 32)));
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(4, 32)]
    [InlineData(7, 64)]
    [InlineData(9, 135)]
    [InlineData(8, 136)]
    [InlineData(5, 137)]
    [InlineData(13, 224)]
    [InlineData(4, 300)]
    public void Hash_RandomMessages_BothPathsEqualTheOneMessageHash(int count, int length)
    {
        var random = new Random((count * 1000) + length);
        var messages = new byte[count * length];
        random.NextBytes(messages);
        var scalar = new byte[count * 32];
        var vector = new byte[count * 32];

        Keccak256Batch.Hash(messages, length, scalar, KeccakPath.Scalar);
        Keccak256Batch.Hash(messages, length, vector, KeccakPath.Vector256);

        for (var m = 0; m < count; m++)
        {
            Assert.Equal(Keccak256.Hash(messages.AsSpan(m * length, length)), new Bytes32(vector.AsSpan(m * 32, 32)));
        }

        Assert.Equal(scalar, vector);
    }

    [Fact]
    public void Hash_PartialMessage_ThrowsNamingTheLengths()
    {
        var error = Assert.Throws<ArgumentException>(() => Keccak256Batch.Hash(new byte[65], 64, new byte[64]));

        Assert.Contains("65 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Path_OnThisMachine_IsTheVectorPathWhenTheCpuAcceleratesIt()
    {
        var forcedScalar = string.Equals(Environment.GetEnvironmentVariable("DISCRETEEXEC_KECCAK"), "scalar", StringComparison.OrdinalIgnoreCase);

        Assert.Equal(Vector256.IsHardwareAccelerated && !forcedScalar ? KeccakPath.Vector256 : KeccakPath.Scalar, Keccak256Batch.Path);
    }
}
