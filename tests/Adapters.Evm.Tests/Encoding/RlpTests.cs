using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Tests.Encoding;

public class RlpTests
{
    [Fact]
    public void EncodeList_TwoStrings_MatchesCast()
    {
        // cast to-rlp '["0x636174","0x646f67"]'
        var encoded = Rlp.EncodeList(Rlp.EncodeBytes("cat"u8), Rlp.EncodeBytes("dog"u8));
        Assert.Equal("0xc88363617483646f67", Hex.Encode(encoded));
    }

    [Fact]
    public void EncodeList_Empty_MatchesCast()
    {
        // cast to-rlp '[]'
        Assert.Equal("0xc0", Hex.Encode(Rlp.EncodeList()));
    }

    [Fact]
    public void EncodeList_NestedAndSingleBytes_MatchesCast()
    {
        // cast to-rlp '["0x", "0x00", "0x7f", "0x80", ["0x01",["0x0203"]]]'
        var encoded = Rlp.EncodeList(
            Rlp.EncodeBytes([]),
            Rlp.EncodeBytes([0x00]),
            Rlp.EncodeBytes([0x7f]),
            Rlp.EncodeBytes([0x80]),
            Rlp.EncodeList(Rlp.EncodeBytes([0x01]), Rlp.EncodeList(Rlp.EncodeBytes([0x02, 0x03]))));
        Assert.Equal("0xcb80007f8180c501c3820203", Hex.Encode(encoded));
    }

    [Fact]
    public void EncodeBytes_LongString_UsesLengthOfLength()
    {
        // cast to-rlp "\"0x$(printf '61%.0s' {1..60})\""
        var encoded = Rlp.EncodeBytes(Enumerable.Repeat((byte)0x61, 60).ToArray());
        Assert.Equal("0xb83c" + new string('6', 0) + string.Concat(Enumerable.Repeat("61", 60)), Hex.Encode(encoded));
    }

    [Theory]
    [InlineData(0UL, "0x80")]
    [InlineData(15UL, "0x0f")]
    [InlineData(1024UL, "0x820400")]
    public void EncodeInteger_YellowPaperExamples(ulong value, string expected) =>
        Assert.Equal(expected, Hex.Encode(Rlp.EncodeInteger(value)));

    [Fact]
    public void Decode_RoundTripsNestedList()
    {
        var item = Rlp.Decode(Hex.Decode("0xcb80007f8180c501c3820203"));
        Assert.True(item.IsList);
        Assert.Equal(5, item.Items!.Count);
        Assert.Empty(item.Items[0].Bytes!);
        Assert.Equal([0x80], item.Items[3].Bytes!);
        Assert.Equal([0x02, 0x03], item.Items[4].Items![1].Items![0].Bytes!);
    }

    [Theory]
    [InlineData("0x8100")] // a single byte below 0x80 must encode itself
    [InlineData("0xb800")] // long form for a short length
    [InlineData("0x83aabb")] // truncated
    [InlineData("0xc0c0")] // trailing bytes
    public void Decode_NonCanonicalOrTruncated_Throws(string hex) =>
        Assert.Throws<FormatException>(() => Rlp.Decode(Hex.Decode(hex)));
}
