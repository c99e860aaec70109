using System.Net.Http.Json;
using System.Text.Json;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Tests.Node.Bus;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>The API over the real devnet chains (anvil and the Solana dev node), for the intent build route.</summary>
public sealed class IntentBuildFixture : IAsyncLifetime
{
    internal LocalDevnet Devnet { get; private set; } = null!;

    internal WebApplication App { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        Devnet = await LocalDevnet.StartAsync(TextWriter.Null, TimeProvider.System, timeout.Token);
        var store = new InMemoryNodeStore();
        var node = new ServiceCollection()
            .AddSingleton<IIntentStore>(store)
            .AddSingleton<IEpochStore>(store)
            .AddSingleton<IEventLog>(new InMemoryEventLog())
            .AddSingleton(TimeProvider.System)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(new EpochLoopOptions
            {
                // The devnet's USDC, and the output token of the cast vectors below as an asset of its own on Solana.
                Assets = [.. DevnetScenario.Registry(Devnet).Assets, new Asset("VECTOR", 1_000_000_000_000_000_000UL, [new AssetToken(SolanaDevChain.Chain, IntentBuildTests.VectorOutputToken, 6)])],
            })
            .AddSingleton(new IntentBuildChains(
                [new EvmBuildChain(EvmDevChain.Chain, Devnet.Evm.Escrow, Devnet.Evm.Rpc)],
                [new SolanaBuildChain(SolanaDevChain.Chain, Devnet.Solana.Escrow, Devnet.Solana.Rpc)]))
            .BuildServiceProvider();
        (App, Client) = await ApiNodeFixture.StartApiAsync(node, new ApiOptions { Urls = "http://127.0.0.1:0" });
    }

    public async Task DisposeAsync()
    {
        await ApiNodeFixture.StopApiAsync(App, Client);
        if (Devnet is not null)
        {
            await Devnet.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>POST /v1/intents/build</c>: the transactions it returns, signed by a test depositor and sent to the real chains,
/// open the intent (read back from the escrow); the EVM calldata matches <c>cast calldata</c>, the Solana message the
/// devnet's own Open.
/// </summary>
[Trait("Category", "Integration")]
public sealed class IntentBuildTests(IntentBuildFixture fixture) : IClassFixture<IntentBuildFixture>
{
    private const ulong FarDeadline = 4_102_444_800; // 2100-01-01
    internal static readonly Bytes32 VectorOutputToken = Bytes32.Parse("0x9bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2");
    private static readonly Bytes32 EvmRecipient = Bytes32.Parse("0x00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906");

    // cast calldata "open((address,uint256,uint64,bytes32,uint256,bytes32,uint64))" "(0x5FbDB2315678afecb367f032d93F642f64180aa3,2500000,900001,
    //   0x9bf09b2f…44a2,2490000,0x…90f79bf6eb2c4f870365e785982e1f101e93b906,4102444800)"  (cast 1.7.1)
    private const string CastOpen = "0x867efca60000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa300000000000000000000000000000000000000000000000000000000002625a000000000000000000000000000000000000000000000000000000000000dbba19bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2000000000000000000000000000000000000000000000000000000000025fe9000000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b90600000000000000000000000000000000000000000000000000000000f4865700";

    // cast calldata "approve(address,uint256)" 0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512 2500000
    private const string CastApprove = "0x095ea7b3000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f051200000000000000000000000000000000000000000000000000000000002625a0";

    [Fact]
    public async Task Build_Evm_ApproveThenOpen_OpensTheIntentOnAnvil()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var evm = fixture.Devnet.Evm;
        Assert.Equal(EvmAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3"), evm.Token); // the vectors' addresses: anvil's first two deployments
        Assert.Equal(EvmAddress.Parse("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), evm.Escrow);
        var depositor = EvmDevChain.LocalKey("api-build-depositor");
        await evm.GiveGasAsync(depositor.Address, ct);
        await evm.MintAsync(depositor.Address, 2_500_000UL, ct);
        var request = EvmRequest(depositor.Address);

        var first = await BuildAsync(request);
        var approve = first.GetProperty("transactions")[0];
        var pendingOpen = first.GetProperty("transactions")[1];

        Assert.Equal("evm", first.GetProperty("chainKind").GetString());
        Assert.Equal("0", first.GetProperty("allowance").GetString());
        Assert.Equal(2, first.GetProperty("transactions").GetArrayLength());
        Assert.Equal("approve", approve.GetProperty("purpose").GetString());
        Assert.Equal(CastApprove, approve.GetProperty("data").GetString());
        Assert.Equal(evm.Token, EvmAddress.Parse(approve.GetProperty("to").GetString()!));
        Assert.True(approve.GetProperty("gasEstimate").GetUInt64() > 21_000);
        Assert.Equal("open", pendingOpen.GetProperty("purpose").GetString());
        Assert.Equal(CastOpen, pendingOpen.GetProperty("data").GetString());
        Assert.Equal(JsonValueKind.Null, pendingOpen.GetProperty("gasEstimate").ValueKind);
        Assert.Contains("approve", pendingOpen.GetProperty("gasEstimateError").GetString(), StringComparison.Ordinal);

        Assert.True((await SignAndSendAsync(evm.Rpc, depositor, approve, ct)).Succeeded);
        var second = await BuildAsync(request);
        var open = Assert.Single(second.GetProperty("transactions").EnumerateArray());
        Assert.Equal("2500000", second.GetProperty("allowance").GetString());
        Assert.Equal(CastOpen, open.GetProperty("data").GetString());
        Assert.Equal(Hex.Encode(IntentEscrowAbi.Open(new IntentParams(evm.Token, 2_500_000UL, SolanaDevChain.Chain, VectorOutputToken, 2_490_000UL, EvmRecipient, FarDeadline))), open.GetProperty("data").GetString());
        Assert.True(open.GetProperty("gasEstimate").GetUInt64() > 50_000);

        var receipt = await SignAndSendAsync(evm.Rpc, depositor, open, ct);
        var intentId = Bytes32.Parse(second.GetProperty("intentId").GetString()!);
        Assert.True(receipt.Succeeded);
        Assert.Contains(receipt.Logs, l => l.Address == evm.Escrow && l.Topics.Count > 1 && l.Topics[1] == intentId);
        var stored = IntentEscrowAbi.DecodeIntentOf(await evm.Rpc.CallAsync(new CallRequest(evm.Escrow, IntentEscrowAbi.IntentOf(intentId)), BlockTag.Latest, ct));
        Assert.Equal(depositor.Address, stored.Depositor);
        Assert.Equal(evm.Token, stored.InputToken);
        Assert.Equal((UInt256)2_500_000UL, stored.InputAmount);
        Assert.Equal(FarDeadline, stored.FillDeadline);
    }

    [Fact]
    public async Task Build_Solana_OpenSignedByTheDepositor_OpensTheIntentOnTheDevNode()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var ct = timeout.Token;
        var solana = fixture.Devnet.Solana;
        var user = await solana.NewUserAsync(3_000_000, ct);
        var request = new
        {
            originChainId = SolanaDevChain.Chain.Value,
            depositor = user.Address,
            inputToken = Base58.EncodeKey(solana.Mint),
            inputAmount = "3000000",
            destinationChainId = EvmDevChain.Chain.Value,
            recipient = "0x90f79bf6eb2c4f870365e785982e1f101e93b906",
            outputToken = fixture.Devnet.Evm.Token.ToString(),
            minOutputAmount = "2990000",
            fillDeadline = FarDeadline,
        };

        var built = await BuildAsync(request);
        var transaction = Assert.Single(built.GetProperty("transactions").EnumerateArray());
        var wire = Convert.FromBase64String(transaction.GetProperty("transaction").GetString()!);
        var intentId = Bytes32.Parse(built.GetProperty("intentId").GetString()!);

        // One signature slot, zero until the depositor signs; the message is the devnet's own Open for the next nonce.
        Assert.Equal("solana", built.GetProperty("chainKind").GetString());
        Assert.Equal(1, wire[0]);
        Assert.All(wire[1..65], b => Assert.Equal(0, b));
        var nonce = EscrowConfig.Decode((await solana.Rpc.GetAccountInfoAsync(solana.Escrow.Config, Commitment.Confirmed, ct))!.Data).NextNonce;
        var expected = solana.Escrow.Open(
            user.PublicKey,
            ProgramAddress.AssociatedTokenAccount(user.PublicKey, solana.Mint),
            new OpenIntentParams(solana.Mint, 3_000_000, EvmDevChain.Chain, fixture.Devnet.Evm.Token.ToBytes32(), 2_990_000UL, EvmRecipient, (long)FarDeadline),
            SolanaDevChain.Chain,
            nonce);
        var blockhash = Base58.DecodeKey(transaction.GetProperty("recentBlockhash").GetString()!);
        Assert.Equal(MessageCompiler.Compile(user.PublicKey, [expected], blockhash).Serialize(), wire[65..]);
        Assert.Equal(Core.Intents.IntentId.Compute(SolanaDevChain.Chain, solana.Escrow.ProgramId, nonce), intentId);

        user.Sign(wire.AsSpan(65), wire.AsSpan(1, 64));
        await solana.Rpc.SendTransactionAsync(wire, new SendOptions(), ct);

        var account = await solana.Rpc.GetAccountInfoAsync(solana.Escrow.IntentAddress(intentId), Commitment.Confirmed, ct);
        Assert.NotNull(account);
        var intent = EscrowIntent.Decode(account.Data);
        Assert.Equal(EscrowIntentStatus.Open, intent.Status);
        Assert.Equal(intentId, intent.IntentId);
        Assert.Equal(user.PublicKey, intent.Depositor);
        Assert.Equal(3_000_000UL, intent.InputAmount);
        Assert.Equal(EvmRecipient, intent.Recipient);
        Assert.Equal((long)FarDeadline, intent.FillDeadline);
    }

    [Fact]
    public async Task Build_BadInput_IsAProblemNamingTheField()
    {
        var good = EvmRequest(EvmDevChain.LocalKey("api-build-bad").Address);

        await AssertProblemAsync(good with { Depositor = "0x1234" }, 400, "depositor");
        await AssertProblemAsync(good with { InputAmount = "-1" }, 400, "inputAmount");
        await AssertProblemAsync(good with { InputAmount = "0" }, 400, "inputAmount");
        await AssertProblemAsync(good with { FillDeadline = 1 }, 400, "fillDeadline");
        await AssertProblemAsync(good with { OriginChainId = null }, 400, "originChainId");
        await AssertProblemAsync(good with { Depositor = Base58.EncodeKey(VectorOutputToken) }, 400, "depositor");
        await AssertProblemAsync(good with { OriginChainId = 5 }, 404, null);
    }

    [Fact]
    public async Task Build_TokenOrDestinationTheClearingWouldRefund_404NamingIt()
    {
        var good = EvmRequest(EvmDevChain.LocalKey("api-build-unroutable").Address);

        await AssertProblemAsync(good with { DestinationChainId = 5 }, 404, null, "outputToken: ");
        await AssertProblemAsync(good with { OutputToken = Base58.EncodeKey(Bytes32.FromUInt64(77)) }, 404, null, "outputToken: ");
        await AssertProblemAsync(good with { InputToken = "0x00000000000000000000000000000000000000aa" }, 404, null, "inputToken: ");
    }

    private static EvmBuildRequest EvmRequest(EvmAddress depositor) => new(
        EvmDevChain.Chain.Value, depositor.ToString(), "0x5FbDB2315678afecb367f032d93F642f64180aa3", "2500000", SolanaDevChain.Chain.Value,
        "0x90f79bf6eb2c4f870365e785982e1f101e93b906", VectorOutputToken.ToString(), "2490000", FarDeadline);

    private async Task<JsonElement> BuildAsync(object request)
    {
        using var response = await fixture.Client.PostAsJsonAsync("/v1/intents/build", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /v1/intents/build: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private async Task AssertProblemAsync(object request, int status, string? parameter, string? detailStart = null)
    {
        using var response = await fixture.Client.PostAsJsonAsync("/v1/intents/build", request);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (parameter is not null)
        {
            Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
        }

        if (detailStart is not null)
        {
            Assert.StartsWith(detailStart, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static async Task<TransactionReceipt> SignAndSendAsync(IEvmRpc rpc, EvmKey key, JsonElement built, CancellationToken ct)
    {
        var signed = new Eip1559Transaction
        {
            ChainId = EvmDevChain.ChainIdValue,
            Nonce = await rpc.GetTransactionCountAsync(key.Address, BlockTag.Pending, ct),
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 50_000_000_000,
            GasLimit = built.GetProperty("gasEstimate").GetUInt64(),
            To = EvmAddress.Parse(built.GetProperty("to").GetString()!),
            Data = Hex.Decode(built.GetProperty("data").GetString()!),
        }.Sign(key);
        await rpc.SendRawTransactionAsync(signed.Raw, ct);

        // anvil mines each transaction as it arrives, but may answer the send before the block is sealed: ask again,
        // one round trip at a time, until the receipt is there (bounded by the test's timeout).
        while (true)
        {
            if (await rpc.GetTransactionReceiptAsync(signed.Hash, ct) is { } receipt)
            {
                return receipt;
            }
        }
    }

    private sealed record EvmBuildRequest(
        ulong? OriginChainId, string Depositor, string InputToken, string InputAmount, ulong DestinationChainId, string Recipient, string OutputToken, string MinOutputAmount, ulong FillDeadline);
}
