using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Tests.Vectors;

namespace DiscreteExec.Adapters.Solana.Tests.Codec;

public sealed class Base58Tests
{
    [Fact]
    public void EncodeDecode_KitVectors_RoundTrip()
    {
        foreach (var v in KitVectors.Array("base58"))
        {
            var bytes = v.Hex("hex");
            Assert.Equal(v.Str("text"), Base58.Encode(bytes));
            Assert.Equal(bytes, Base58.Decode(v.Str("text")));
        }
    }

    [Theory]
    [InlineData("0OIl")]
    [InlineData("abc+")]
    public void Decode_InvalidCharacters_Throws(string text) => Assert.Throws<FormatException>(() => Base58.Decode(text));

    [Fact]
    public void DecodeKey_WrongLength_ThrowsNamingLength()
    {
        var ex = Assert.Throws<FormatException>(() => Base58.DecodeKey("7YXq9G"));
        Assert.Contains("4 bytes", ex.Message);
    }
}

public sealed class CompactU16Tests
{
    [Fact]
    public void Write_KitVectors_SameBytes()
    {
        foreach (var v in KitVectors.Array("compactU16"))
        {
            var value = v.GetProperty("value").GetInt32();
            var buffer = new byte[3];
            var n = CompactU16.Write(value, buffer);
            Assert.Equal(v.Hex("hex"), buffer.AsSpan(0, n).ToArray());
            Assert.Equal(n, CompactU16.Length(value));
            Assert.Equal(value, CompactU16.Read(buffer.AsSpan(0, n), out var read));
            Assert.Equal(n, read);
        }
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0x80, 0x00 })]
    [InlineData(new byte[] { 0xff, 0xff, 0x04 })]
    [InlineData(new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    public void Read_TruncatedOverlongOrTooLarge_Throws(byte[] bytes) => Assert.Throws<FormatException>(() => CompactU16.Read(bytes, out _));
}

public sealed class Ed25519Tests
{
    [Fact]
    public void FromSeed_KitVectors_SameAddressAndSignature()
    {
        foreach (var v in KitVectors.Array("ed25519"))
        {
            using var pair = SolanaKeypair.FromSeed(v.Hex("seed"));
            Assert.Equal(v.Str("address"), pair.Address);
            var signature = pair.Sign(v.Hex("messageHex"));
            Assert.Equal(v.Hex("signatureHex"), signature);
            Assert.True(SolanaKeypair.Verify(pair.PublicKey, v.Hex("messageHex"), signature));
            signature[0] ^= 1;
            Assert.False(SolanaKeypair.Verify(pair.PublicKey, v.Hex("messageHex"), signature));
        }
    }

    [Fact]
    public void FromCliKeypairJson_SeedThenPublicKey_Loads()
    {
        using var original = SolanaKeypair.FromSeed(new byte[32]);
        var json = "[" + string.Join(',', new byte[32].Concat(original.PublicKey.ToArray())) + "]";
        using var loaded = SolanaKeypair.FromCliKeypairJson(json);
        Assert.Equal(original.PublicKey, loaded.PublicKey);
    }

    [Fact]
    public void IsOnCurve_KitVectors_Agree()
    {
        var count = 0;
        foreach (var v in KitVectors.Array("onCurve"))
        {
            Assert.Equal(v.GetProperty("onCurve").GetBoolean(), Ed25519Curve.IsOnCurve(v.Hex("hex")));
            count++;
        }

        Assert.Equal(64, count);
    }

    [Fact]
    public void IsOnCurve_PublicKeys_True()
    {
        foreach (var v in KitVectors.Array("ed25519"))
        {
            Assert.True(Ed25519Curve.IsOnCurve(Base58.DecodeKey(v.Str("address")).ToArray()));
        }
    }
}

public sealed class ProgramAddressTests
{
    [Fact]
    public void Find_KitVectors_SameAddressAndBump()
    {
        foreach (var v in KitVectors.Array("pdas"))
        {
            var seeds = v.GetProperty("seedsHex").EnumerateArray().Select(s => Convert.FromHexString(s.GetString()!)).ToArray();
            var (address, bump) = ProgramAddress.Find(seeds, Base58.DecodeKey(v.Str("programId")));
            Assert.Equal(v.Str("address"), Base58.EncodeKey(address));
            Assert.Equal(v.GetProperty("bump").GetInt32(), bump);
        }
    }

    [Fact]
    public void AssociatedTokenAccount_KitVectors_SameAddress()
    {
        foreach (var v in KitVectors.Array("ata"))
        {
            var ata = ProgramAddress.AssociatedTokenAccount(Base58.DecodeKey(v.Str("owner")), Base58.DecodeKey(v.Str("mint")));
            Assert.Equal(v.Str("address"), Base58.EncodeKey(ata));
        }
    }

    [Fact]
    public void Create_SeedLongerThan32Bytes_Throws() =>
        Assert.Throws<ArgumentException>(() => ProgramAddress.Create([new byte[33]], Bytes32.Zero));
}
