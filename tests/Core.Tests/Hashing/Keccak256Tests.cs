using System.Text;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Core.Tests.Hashing;

// Vectors produced by `cast keccak` (foundry 1.7.1, from the npm package named in TOOLCHAIN.md).
public class Keccak256Tests
{
    [Theory]
    [InlineData("", "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")] // cast keccak ""
    [InlineData("abc", "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")] // cast keccak "abc"
    public void Hash_Text_MatchesCast(string text, string expected)
    {
        Assert.Equal(Bytes32.Parse(expected), Keccak256.Hash(Encoding.ASCII.GetBytes(text)));
    }

    [Fact]
    public void Hash_TwoHundredBytesAcrossTheRateBoundary_MatchesCast()
    {
        // cast keccak 0x$(python3 -c "print('61'*200)")
        var data = Enumerable.Repeat((byte)0x61, 200).ToArray();
        Assert.Equal(Bytes32.Parse("0x96ea54061def936c4be90b518992fdc6f12f535068a256229aca54267b4d084d"), Keccak256.Hash(data));
    }

    [Theory]
    // cast keccak 0x$(python3 -c "print('00'*135)")  — rate-1 bytes: 0x01 and 0x80 pad the same byte
    [InlineData(135, false, "0x29e3704feeca7fb9ba229f0fa04d9b36449cf3ad6e1d85d9cfff3a10df9abc3e")]
    // cast keccak 0x$(python3 -c "print(''.join('%02x'%(i%256) for i in range(136)))")  — exactly one block
    [InlineData(136, true, "0x7ce759f1ab7f9ce437719970c26b0a66ff11fe3e38e17df89cf5d29c7d7f807e")]
    // cast keccak 0x$(python3 -c "print(''.join('%02x'%(i%256) for i in range(272)))")  — exactly two blocks
    [InlineData(272, true, "0xfdf2ec49e749960d3c8521a0219af8d03e30e2b3bf19bd16150ee0eaf133d66e")]
    public void Hash_LengthsOnTheRateBoundary_MatchCast(int length, bool counting, string expected)
    {
        var data = Enumerable.Range(0, length).Select(i => counting ? (byte)i : (byte)0).ToArray();
        Assert.Equal(Bytes32.Parse(expected), Keccak256.Hash(data));
    }
}
