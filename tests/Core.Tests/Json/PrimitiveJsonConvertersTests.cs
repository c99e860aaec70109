using System.Text.Json;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Core.Tests.Json;

public sealed class PrimitiveJsonConvertersTests
{
    [Fact]
    public void Bytes32_IsLowercaseHex_AndRoundTrips()
    {
        var value = Bytes32.Parse("0x00000000000000000000000000000000000000000000000000000000000000AB");
        var json = JsonSerializer.Serialize(value);
        Assert.Equal("\"0x00000000000000000000000000000000000000000000000000000000000000ab\"", json);
        Assert.Equal(value, JsonSerializer.Deserialize<Bytes32>(json));
    }

    [Fact]
    public void UInt256_IsADecimalString_ExactAtTheMaximum()
    {
        var max = UInt256.Parse("115792089237316195423570985008687907853269984665640564039457584007913129639935");
        var json = JsonSerializer.Serialize(max);
        Assert.Equal("\"115792089237316195423570985008687907853269984665640564039457584007913129639935\"", json);
        Assert.Equal(max, JsonSerializer.Deserialize<UInt256>(json));
    }

    [Fact]
    public void ChainId_IsANumber()
    {
        Assert.Equal("31337", JsonSerializer.Serialize(new ChainId(31337)));
        Assert.Equal(new ChainId(ulong.MaxValue), JsonSerializer.Deserialize<ChainId>("18446744073709551615"));
    }

    [Theory]
    [InlineData("\"0x12\"", "Expected 0x-prefixed hex of 32 bytes, got '0x12'.")]
    [InlineData("12", "Expected 0x-prefixed hex of 32 bytes, got Number.")]
    public void Bytes32_BadInput_NamesWhatItGot(string json, string message) =>
        Assert.Equal(message, Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Bytes32>(json)).Message);

    [Theory]
    [InlineData("\"-1\"")]
    [InlineData("\"1e3\"")]
    [InlineData("1000")]
    public void UInt256_BadInput_Throws(string json) =>
        Assert.StartsWith("Expected a decimal integer string in the uint256 range", Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<UInt256>(json)).Message);

    [Fact]
    public void ChainId_Negative_Throws() =>
        Assert.StartsWith("Expected a chain id as an unsigned 64-bit number", Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<ChainId>("-5")).Message);

    [Fact]
    public void IntentObserved_RoundTripsThroughJson()
    {
        var observed = new IntentObserved
        {
            Intent = new Intent
            {
                IntentId = Bytes32.FromUInt64(7),
                OriginChainId = new ChainId(31337),
                DepositNonce = 3,
                Depositor = Bytes32.FromUInt64(1),
                InputToken = Bytes32.FromUInt64(2),
                InputAmount = UInt256.Parse("1000000"),
                DestinationChainId = new ChainId(900),
                OutputToken = Bytes32.FromUInt64(4),
                MinOutputAmount = UInt256.Parse("999000"),
                Recipient = Bytes32.FromUInt64(5),
                FillDeadline = 1_900_000_000,
            },
            Position = new ChainPosition { BlockNumber = 12, BlockHash = "0xab", TransactionId = "0xcd", LogIndex = 2 },
        };
        var json = JsonSerializer.Serialize(observed);
        Assert.Equal(observed, JsonSerializer.Deserialize<IntentObserved>(json));
    }
}
