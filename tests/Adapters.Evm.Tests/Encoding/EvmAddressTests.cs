using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Tests.Encoding;

public class EvmAddressTests
{
    [Theory]
    // cast to-check-sum-address 0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed
    [InlineData("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    // cast to-check-sum-address 0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359
    [InlineData("0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    // EIP-55 examples
    [InlineData("0xdbf03b407c01e7cd3cbea99509d93f8dddc8c6fb", "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xd1220a0cf47c7b9be7a2e6ba89f429762e7b9adb", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void ToString_IsEip55Checksum(string lower, string expected) =>
        Assert.Equal(expected, EvmAddress.Parse(lower).ToString());

    [Fact]
    public void Parse_BadChecksum_Throws() =>
        Assert.Throws<FormatException>(() => EvmAddress.Parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"));

    [Fact]
    public void ToBytes32_LeftPads_AndRoundTrips()
    {
        var address = EvmAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        var padded = address.ToBytes32();
        Assert.Equal("0x0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed", padded.ToString());
        Assert.Equal(address, EvmAddress.FromBytes32(padded));
    }

    [Fact]
    public void Quantity_RoundTrips()
    {
        Assert.Equal("0x0", Hex.EncodeQuantity(0UL));
        Assert.Equal("0x1bc16d674ec80000", Hex.EncodeQuantity(new System.Numerics.BigInteger(2_000_000_000_000_000_000UL)));
        Assert.Equal(0x1234UL, Hex.DecodeQuantity("0x1234"));
    }
}
