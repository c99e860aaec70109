namespace DiscreteExec.Core.Tests.Primitives;

public class Bytes32Tests
{
    [Fact]
    public void Parse_ToString_RoundTripsLowercase()
    {
        const string hex = "0x0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3";
        Assert.Equal(hex, Bytes32.Parse(hex.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal)).ToString());
    }

    [Theory]
    [InlineData("0x00")]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("0xzz00000000000000000000000000000000000000000000000000000000000000")]
    public void TryParse_Malformed_ReturnsFalse(string text) => Assert.False(Bytes32.TryParse(text, out _));

    [Fact]
    public void CompareTo_IsBytewise()
    {
        var a = Bytes32.Parse("0x00000000000000000000000000000000000000000000000000000000000000ff");
        var b = Bytes32.Parse("0x0100000000000000000000000000000000000000000000000000000000000000");
        Assert.True(a < b);
        Assert.True(Bytes32.FromEvmAddress(new byte[20]).IsEvmAddress);
        Assert.False(b.IsEvmAddress);
    }
}
