using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Tests.Abi;

public class AbiCodecTests
{
    private static readonly EvmAddress Address = EvmAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");

    private const string DynamicVector =
        "0x000000000000000000000000000000000000000000000000000000000000008000000000000000000000000000000000000000000000000000000000000000c0000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000001800000000000000000000000000000000000000000000000000000000000000004deadbeef00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000b68656c6c6f20776f726c64000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000000000000000000000000000000000010000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000300000000000000000000000000000000000000000000000000000000000000010000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed";

    [Fact]
    public void Encode_StaticTypes_MatchesCast()
    {
        // cast abi-encode 'f(uint256,address,bool,bytes32)' 42 0x5aAe…BeAed true 0x0101…01
        var encoded = AbiEncoder.Encode(Types("uint256", "address", "bool", "bytes32"), [42, Address, true, Enumerable.Repeat((byte)1, 32).ToArray()]);
        Assert.Equal(
            "0x000000000000000000000000000000000000000000000000000000000000002a0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed00000000000000000000000000000000000000000000000000000000000000010101010101010101010101010101010101010101010101010101010101010101",
            Hex.Encode(encoded));
    }

    [Fact]
    public void Encode_DynamicTypes_MatchesCast()
    {
        // cast abi-encode 'f(bytes,string,uint64[],address[])' 0xdeadbeef "hello world" '[1,2,3]' '[0x5aAe…BeAed]'
        var encoded = AbiEncoder.Encode(Types("bytes", "string", "uint64[]", "address[]"), [Hex.Decode("0xdeadbeef"), "hello world", new object[] { 1UL, 2UL, 3UL }, new object[] { Address }]);
        Assert.Equal(DynamicVector, Hex.Encode(encoded));
    }

    [Fact]
    public void Decode_DynamicTypes_MatchesCastAbiDecode()
    {
        // cast abi-decode --input 'f(bytes,string,uint64[],address[])' <vector> → 0xdeadbeef, "hello world", [1, 2, 3], [0x5aAe…BeAed]
        var values = AbiDecoder.Decode(Types("bytes", "string", "uint64[]", "address[]"), Hex.Decode(DynamicVector));
        Assert.Equal(Hex.Decode("0xdeadbeef"), values[0]);
        Assert.Equal("hello world", values[1]);
        Assert.Equal(new object[] { new BigInteger(1), new BigInteger(2), new BigInteger(3) }, (object?[])values[2]!);
        Assert.Equal(Address, ((object?[])values[3]!)[0]);
    }

    [Fact]
    public void Encode_SignedAndFixedArray_MatchesCast()
    {
        // cast abi-encode 'f(int256,int8,uint8[2])' -1 -128 '[7,9]'
        var encoded = AbiEncoder.Encode(Types("int256", "int8", "uint8[2]"), [-1, -128, new object[] { 7, 9 }]);
        Assert.Equal(
            "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff8000000000000000000000000000000000000000000000000000000000000000070000000000000000000000000000000000000000000000000000000000000009",
            Hex.Encode(encoded));
        var decoded = AbiDecoder.Decode(Types("int256", "int8", "uint8[2]"), encoded);
        Assert.Equal(BigInteger.MinusOne, decoded[0]);
        Assert.Equal(new BigInteger(-128), decoded[1]);
    }

    [Fact]
    public void Encode_TupleArrayAndBytesArray_MatchesCast()
    {
        // cast abi-encode 'f((uint8,bytes32,bytes32,bytes32,uint256)[],bytes[])' '[(2,0x11…,0x00…22…,0x00…33…,1000000),(0,0x44…,0x00…22…,0x00…00,0)]' '[0x0102,0x]'
        var token = EvmAddress.Parse("0x2222222222222222222222222222222222222222").ToBytes32();
        var account = EvmAddress.Parse("0x3333333333333333333333333333333333333333").ToBytes32();
        var actions = new object[]
        {
            new object[] { (byte)2, Fill(0x11), token, account, 1_000_000 },
            new object[] { (byte)0, Fill(0x44), token, Bytes32.Zero, 0 },
        };
        var encoded = AbiEncoder.Encode(Types("(uint8,bytes32,bytes32,bytes32,uint256)[]", "bytes[]"), [actions, new object[] { new byte[] { 1, 2 }, Array.Empty<byte>() }]);
        Assert.Equal(
            "0x000000000000000000000000000000000000000000000000000000000000004000000000000000000000000000000000000000000000000000000000000001a00000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000211111111111111111111111111111111111111111111111111111111111111110000000000000000000000002222222222222222222222222222222222222222000000000000000000000000333333333333333333333333333333333333333300000000000000000000000000000000000000000000000000000000000f424000000000000000000000000000000000000000000000000000000000000000004444444444444444444444444444444444444444444444444444444444444444000000000000000000000000222222222222222222222222222222222222222200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000400000000000000000000000000000000000000000000000000000000000000080000000000000000000000000000000000000000000000000000000000000000201020000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
            Hex.Encode(encoded));
        var decoded = AbiDecoder.Decode(Types("(uint8,bytes32,bytes32,bytes32,uint256)[]", "bytes[]"), encoded);
        var first = (object?[])((object?[])decoded[0]!)[0]!;
        Assert.Equal(new BigInteger(1_000_000), first[4]);
    }

    [Fact]
    public void EncodeCall_IsApplied_MatchesCastCalldata()
    {
        // cast calldata 'isApplied(uint64,uint32)' 7 3
        var call = AbiFunction.Parse("isApplied(uint64,uint32) returns (bool)").EncodeCall(7UL, 3U);
        Assert.Equal("0x4499f96c00000000000000000000000000000000000000000000000000000000000000070000000000000000000000000000000000000000000000000000000000000003", Hex.Encode(call));
    }

    [Theory]
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000020")] // offset to nothing
    [InlineData("0x00000000000000000000000000000000000000000000000000000000000000200000000000000000000000000000000000000000000000000000000000000040")] // length past the end
    [InlineData("0x00000000000000000000000000000000000000000000000000000000ffffffff")] // huge offset
    public void Decode_MalformedBytes_ThrowsAbiDecodingException(string hex) =>
        Assert.Throws<AbiDecodingException>(() => AbiDecoder.Decode(Types("bytes"), Hex.Decode(hex)));

    [Fact]
    public void Decode_AddressWithDirtyUpperBytes_Throws() =>
        Assert.Throws<AbiDecodingException>(() => AbiDecoder.Decode(Types("address"), Hex.Decode("0x" + new string('f', 64))));

    [Fact]
    public void Parse_CanonicalNames_RoundTrip()
    {
        foreach (var name in new[] { "uint256", "(uint8,bytes32)[]", "address[3][]", "((bool,string),int16)[2]" })
        {
            Assert.Equal(name, AbiType.Parse(name).CanonicalName);
        }
    }

    private static AbiType[] Types(params string[] names) => names.Select(AbiType.Parse).ToArray();

    private static Bytes32 Fill(byte b) => new(Enumerable.Repeat(b, 32).ToArray());
}
