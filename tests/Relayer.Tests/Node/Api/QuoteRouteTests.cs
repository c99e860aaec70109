using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>
/// <c>/v1/quote</c> over the fixture's node (USDC on both test chains, 6 decimals, fee 10 bps, settlement margin 60 s,
/// epochs of at most 5 s): the figures are worked out here by hand, not by the production code.
/// </summary>
[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class QuoteRouteTests(ApiNodeFixture node)
{
    private static readonly string TokenA = NodeWorld.TokenA.ToString();
    private static readonly string TokenB = NodeWorld.TokenB.ToString();

    private static string Path(string amount = "1000000", string? slippage = null, string? originChain = null, string? outputToken = null, string? destinationChain = null) =>
        $"/v1/quote?originChainId={originChain ?? NodeWorld.ChainA.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}&inputToken={TokenA}&inputAmount={amount}"
        + $"&destinationChainId={destinationChain ?? NodeWorld.ChainB.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}&outputToken={outputToken ?? TokenB}"
        + (slippage is null ? string.Empty : $"&slippageBps={slippage}");

    [Fact]
    public async Task Quote_AmountBeyondASolanaEscrowsU64_400NamingInputAmount()
    {
        // The same world with chain B declared a Solana cluster (its RPC is never asked by a quote).
        await using var services = ApiNodeFixture.NodeServices(
            node.World, node.Intents, node.Epochs, node.Events, node.Meters,
            new IntentBuildChains([], [new SolanaBuildChain(NodeWorld.ChainB, new EscrowProgram(Bytes32.FromUInt64(1)), null!)]));
        var (app, client) = await ApiNodeFixture.StartApiAsync(services, new ApiOptions { Urls = "http://127.0.0.1:0" });
        try
        {
            using var fits = await client.GetAsync(Path(amount: ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
            using var beyond = await client.GetAsync(Path(amount: "18446744073709551616000"));
            Assert.Equal(HttpStatusCode.BadRequest, beyond.StatusCode);
            var problem = await beyond.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("inputAmount", problem.GetProperty("parameter").GetString());
            Assert.Contains("exceeds the 64-bit amounts of an SPL token on chain 900001", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await ApiNodeFixture.StopApiAsync(app, client);
        }
    }

    [Fact]
    public async Task Quote_Transfer_IsTheClearingsFeeAndTheSlippageRoundedDown()
    {
        var quote = await node.GetJsonAsync(Path(amount: "1234567", slippage: "125"));

        // gross 1234567 (same decimals); fee floor(1234567 × 10 / 10000) = 1234; expected 1233333;
        // minimum floor(1233333 × 9875 / 10000) = 1217916.
        Assert.Equal("transfer", quote.GetProperty("kind").GetString());
        Assert.Equal("1234567", quote.GetProperty("grossOutput").GetString());
        Assert.Equal("1234", quote.GetProperty("fee").GetString());
        Assert.Equal("1233333", quote.GetProperty("expectedOutput").GetString());
        Assert.Equal(125u, quote.GetProperty("slippageBps").GetUInt32());
        Assert.Equal("1217916", quote.GetProperty("minOutput").GetString());
        Assert.Equal("1", quote.GetProperty("priceNumerator").GetString());
        Assert.Equal(10u, quote.GetProperty("feeBps").GetUInt32());
    }

    [Fact]
    public async Task Quote_Deadline_IsTheConfiguredValidityFromTheNodesClock()
    {
        var quote = await node.GetJsonAsync(Path());

        // The default validity (10 minutes) exceeds the longest epoch plus the settlement margin (5 s + 60 s).
        Assert.Equal((ulong)node.World.Time.GetUtcNow().ToUnixTimeSeconds() + 600, quote.GetProperty("deadline").GetUInt64());
        Assert.Equal(50u, quote.GetProperty("slippageBps").GetUInt32());
        Assert.Equal(60u, quote.GetProperty("settlementMarginSeconds").GetUInt64());
    }

    [Fact]
    public async Task Quote_DestinationPool_ComparesWithTheNewestMarginCap()
    {
        var pools = await node.GetJsonAsync("/v1/pools");
        var poolB = pools.GetProperty("pools").EnumerateArray().Single(p => p.GetProperty("chainId").GetUInt64() == NodeWorld.ChainB.Value);
        var cap = ulong.Parse(poolB.GetProperty("nextEpochCap").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(cap > 1000, $"the fixture's pool B cap is {cap}");

        var within = (await node.GetJsonAsync(Path(amount: "1000"))).GetProperty("destinationPool");
        var beyond = (await node.GetJsonAsync(Path(amount: (cap * 2).ToString(System.Globalization.CultureInfo.InvariantCulture)))).GetProperty("destinationPool");

        Assert.Equal(pools.GetProperty("epochId").GetUInt64(), within.GetProperty("epochId").GetUInt64());
        Assert.Equal(cap.ToString(System.Globalization.CultureInfo.InvariantCulture), within.GetProperty("nextEpochCap").GetString());
        Assert.True(within.GetProperty("canCover").GetBoolean());
        Assert.False(beyond.GetProperty("canCover").GetBoolean());
    }

    [Fact]
    public async Task Quote_Epoch_AfterAMarginedEpoch_IsTheNextOneClosingAfterItsLongestDuration()
    {
        var current = await node.Epochs.CurrentAsync(CancellationToken.None);
        Assert.Equal(EpochStage.Margined, current!.Stage);

        var epoch = (await node.GetJsonAsync(Path())).GetProperty("epoch");

        // The loop opens the next epoch at its next poll (250 ms) and the duration trigger closes it 5 s later at the latest.
        Assert.Equal(current.EpochId + 1, epoch.GetProperty("epochId").GetUInt64());
        Assert.Equal("open", epoch.GetProperty("stage").GetString());
        var expected = node.World.Time.GetUtcNow() + TimeSpan.FromMilliseconds(5_250);
        Assert.Equal((ulong)expected.ToUnixTimeSeconds(), epoch.GetProperty("closesBy").GetUInt64());
        Assert.Equal(await node.Intents.OpenCountAsync(CancellationToken.None), epoch.GetProperty("openIntents").GetInt64());
    }

    [Theory]
    [InlineData("/v1/quote", "originChainId")]
    [InlineData("/v1/quote?originChainId=31337", "inputToken")]
    [InlineData("/v1/quote?originChainId=-1&inputToken=0x0a&inputAmount=1&destinationChainId=1&outputToken=0x0b", "originChainId")]
    [InlineData("/v1/quote?originChainId=31337&inputToken=0x0a&inputAmount=1&destinationChainId=900001&outputToken=0x0b", "inputToken")]
    public async Task Quote_MalformedParameter_IsA400NamingIt(string path, string parameter) =>
        await node.AssertProblemAsync(path, 400, parameter);

    [Fact]
    public async Task Quote_BadAmountOrSlippage_IsA400NamingIt()
    {
        await node.AssertProblemAsync(Path(amount: "-5"), 400, "inputAmount");
        await node.AssertProblemAsync(Path(amount: "1.5"), 400, "inputAmount");
        await node.AssertProblemAsync(Path(amount: "0"), 400, "inputAmount");
        await node.AssertProblemAsync(Path(slippage: "10001"), 400, "slippageBps");
        await node.AssertProblemAsync(Path(slippage: "abc"), 400, "slippageBps");
        await node.AssertProblemAsync(Path(destinationChain: "zero"), 400, "destinationChainId");
    }

    [Fact]
    public async Task Quote_UnknownChainOrToken_IsA404SayingWhich()
    {
        using var unknownToken = await node.Client.GetAsync(Path(outputToken: "0x" + new string('c', 64)));
        using var unknownChain = await node.Client.GetAsync(Path(originChain: "5"));

        Assert.Equal(404, (int)unknownToken.StatusCode);
        Assert.Contains("outputToken", await unknownToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(404, (int)unknownChain.StatusCode);
        Assert.Contains("inputToken", await unknownChain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
