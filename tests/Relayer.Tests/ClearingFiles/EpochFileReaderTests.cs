using System.Text;
using System.Text.Json.Nodes;
using DiscreteExec.Core;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Tests.ClearingFiles;

public class EpochFileReaderTests
{
    public static TheoryData<string> Samples => [.. TestFiles.SampleNames];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task ReadAsync_Sample_ReadsEveryValueAsWritten(string sample)
    {
        var json = TestFiles.SampleJson(sample);
        var epoch = await EpochFileReader.ReadAsync(TestFiles.Sample(sample), CancellationToken.None);

        Assert.Equal(json["epochId"]!.GetValue<ulong>(), epoch.EpochId);
        Assert.Equal(json["closesAt"]!.GetValue<ulong>(), epoch.ClosesAt);
        Assert.Equal(json["feeBps"]!.GetValue<uint>(), epoch.FeeBps);
        Assert.Equal(json["spreadBps"]!.GetValue<uint>(), epoch.SpreadBps);
        Assert.Equal(json["assets"]!.AsArray().Select(a => (string)a!["id"]!), epoch.Assets.Select(a => a.Id));
        Assert.Equal(json["assets"]!.AsArray().Select(a => (string)a!["refPrice"]!), epoch.Assets.Select(a => a.ReferencePrice.ToString()));
        Assert.Equal(json["pools"]!.AsArray().Select(p => (string)p!["balance"]!), epoch.Pools.Select(p => p.Balance.ToString()));

        var intents = json["intents"]!.AsArray();
        Assert.Equal(intents.Count, epoch.Intents.Count);
        for (var i = 0; i < intents.Count; i++)
        {
            var source = intents[i]!;
            var intent = epoch.Intents[i];
            Assert.Equal((string)source["intentId"]!, intent.IntentId.ToString());
            Assert.Equal((ulong)source["originChainId"]!, intent.OriginChainId.Value);
            Assert.Equal((ulong)source["depositNonce"]!, intent.DepositNonce);
            Assert.Equal((string)source["depositor"]!, intent.Depositor.ToString());
            Assert.Equal((string)source["inputToken"]!, intent.InputToken.ToString());
            Assert.Equal((string)source["inputAmount"]!, intent.InputAmount.ToString());
            Assert.Equal((ulong)source["destinationChainId"]!, intent.DestinationChainId.Value);
            Assert.Equal((string)source["outputToken"]!, intent.OutputToken.ToString());
            Assert.Equal((string)source["minOutputAmount"]!, intent.MinOutputAmount.ToString());
            Assert.Equal((string)source["recipient"]!, intent.Recipient.ToString());
            Assert.Equal((ulong)source["fillDeadline"]!, intent.FillDeadline);
        }
    }

    [Fact]
    public void Parse_IntegersAsDecimalStrings_ReadsFullU64AndU256Ranges()
    {
        var json = Minimal();
        json["epochId"] = "18446744073709551615";
        json["feeBps"] = "10000";
        json["pools"]![0]!["balance"] = UInt256.MaxBigInteger.ToString();
        json["intents"]![0]!["fillDeadline"] = "9007199254740993";

        var epoch = Parse(json);

        Assert.Equal(ulong.MaxValue, epoch.EpochId);
        Assert.Equal(10_000u, epoch.FeeBps);
        Assert.Equal(UInt256.MaxValue, epoch.Pools[0].Balance);
        Assert.Equal(9007199254740993UL, epoch.Intents[0].FillDeadline);
    }

    [Fact]
    public void Parse_JsonNumberOfExactly2Pow53_IsAccepted()
    {
        var json = Minimal();
        json["closesAt"] = 9007199254740992UL;
        json["settlementMarginSeconds"] = 0;

        Assert.Equal(9007199254740992UL, Parse(json).ClosesAt);
    }

    [Fact]
    public void Parse_UnknownFieldsAnywhere_AreIgnored()
    {
        var json = Minimal();
        json["futureTopLevel"] = new JsonObject { ["nested"] = new JsonArray(1, 2) };
        json["assets"]![0]!["futureAssetField"] = true;
        json["intents"]![0]!["futureIntentField"] = "x";

        Assert.Single(Parse(json).Intents);
    }

    [Fact]
    public void Parse_UpperCaseHex_IsReadAndWrittenBackLowercase()
    {
        var json = Minimal();
        var id = "0x" + new string('A', 64);
        json["intents"]![0]!["intentId"] = id;

        Assert.Equal(id.ToLowerInvariant(), Parse(json).Intents[0].IntentId.ToString());
    }

    [Fact]
    public void Parse_DuplicateJsonProperty_IsRejected()
    {
        var text = Minimal().ToJsonString().Replace("\"feeBps\":5", "\"feeBps\":5,\"feeBps\":6", StringComparison.Ordinal);

        var error = Assert.Throws<EpochFileException>(() => EpochFileReader.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.Contains("feeBps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeadlineMarginOverflow_NamesTheField()
    {
        var json = Minimal();
        json["closesAt"] = "18446744073709551615";

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.Contains("field 'settlementMarginSeconds'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ZeroReferencePrice_IsRejected()
    {
        var json = Minimal();
        json["assets"]![0]!["refPrice"] = "0";

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.StartsWith("assets[0]: field 'refPrice'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoTokensOfOneAssetOnOneChain_IsRejected()
    {
        var json = Minimal();
        json["assets"]![0]!["tokens"]!.AsArray().Add(new JsonObject { ["chainId"] = 1, ["token"] = Hex(9), ["decimals"] = 6 });

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.StartsWith("assets[0].tokens[1]: field 'chainId': asset 'USDC' already has a token on chain 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SecondPoolForOneToken_IsRejected()
    {
        var json = Minimal();
        json["pools"]!.AsArray().Add(json["pools"]![0]!.DeepClone());

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.StartsWith("pools[1]: a second pool", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_IntentIdUnreadable_ReportsThePathWithoutALabel()
    {
        var json = Minimal();
        json["intents"]![0]!["intentId"] = "0x12";

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.Equal("intents[0]: field 'intentId': \"0x12\" is not 0x-prefixed hex of exactly 32 bytes", error.Message);
    }

    [Fact]
    public void Parse_DecimalNumberAsJsonNumber_SaysItIsNotAnInteger()
    {
        var json = Minimal();
        json["feeBps"] = 1.5;

        var error = Assert.Throws<EpochFileException>(() => Parse(json));
        Assert.Equal("field 'feeBps': 1.5 is not an integer", error.Message);
    }

    private static DiscreteExec.Aggregator.Clearing.EpochInput Parse(JsonObject json) =>
        EpochFileReader.Parse(Encoding.UTF8.GetBytes(json.ToJsonString()));

    private static string Hex(int b) => "0x" + string.Concat(Enumerable.Repeat(b.ToString("x2"), 32));

    /// <summary>A small valid epoch: one asset on two chains, one pool, one intent.</summary>
    private static JsonObject Minimal() => new()
    {
        ["epochId"] = 1,
        ["closesAt"] = 1000,
        ["settlementMarginSeconds"] = 10,
        ["feeBps"] = 5,
        ["spreadBps"] = 30,
        ["assets"] = new JsonArray(new JsonObject
        {
            ["id"] = "USDC",
            ["refPrice"] = "1000000000000000000",
            ["tokens"] = new JsonArray(new JsonObject { ["chainId"] = 1, ["token"] = Hex(1), ["decimals"] = 6 }),
        }),
        ["pools"] = new JsonArray(new JsonObject { ["chainId"] = 1, ["token"] = Hex(1), ["balance"] = "100" }),
        ["intents"] = new JsonArray(new JsonObject
        {
            ["intentId"] = Hex(0xab),
            ["originChainId"] = 1,
            ["depositNonce"] = 0,
            ["depositor"] = Hex(2),
            ["inputToken"] = Hex(1),
            ["inputAmount"] = "10",
            ["destinationChainId"] = 1,
            ["outputToken"] = Hex(1),
            ["minOutputAmount"] = "9",
            ["recipient"] = Hex(3),
            ["fillDeadline"] = 5000,
        }),
    };
}
