using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// The quote is the clearing's own pricing: a lone intent whose limit is the quote, in an epoch whose pools cover it,
/// is paid exactly the quoted output; one unit more and it waits.
/// </summary>
public class IntentQuoteTests
{
    private const uint FeeBps = 7;
    private static readonly ChainId Evm = new(31337);
    private static readonly ChainId Solana = new(900001);
    private static readonly Bytes32 UsdcEvm = Bytes32.Parse("0x000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512");
    private static readonly Bytes32 UsdcSolana = Bytes32.Parse("0x9bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2");
    private static readonly Bytes32 WethEvm = Bytes32.Parse("0x0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3");
    private static readonly Bytes32 SolSolana = Bytes32.Parse("0x069b8857feab8184fb687f634618c035dac439dc1aeb3b5598a0f00000000001");
    private static readonly Bytes32 EvmWallet = Bytes32.Parse("0x00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906");
    private static readonly Bytes32 SolanaWallet = Bytes32.Parse("0xa39a1ab2b1c3b2bc1b1bd9c7d9b53fa3f31fc9c3ea1b7cde5e0c2db4a1b4a0e3");

    // USDC 6 decimals on Solana, 18 on the EVM chain (so transfers change decimals); WETH at 3,141.59… USDC, SOL at 151.3 USDC.
    private static readonly IReadOnlyList<Asset> Assets =
    [
        new("USDC", UInt256.Parse("1000000000000000000"), [new AssetToken(Evm, UsdcEvm, 18), new AssetToken(Solana, UsdcSolana, 6)]),
        new("WETH", UInt256.Parse("3141592653589793238462"), [new AssetToken(Evm, WethEvm, 18)]),
        new("SOL", UInt256.Parse("151300000000000000000"), [new AssetToken(Solana, SolSolana, 9)]),
    ];

    public static TheoryData<ulong, ulong, string, string, ulong, ulong, string> Routes => new()
    {
        // origin, input token, destination, output token, amount
        { Solana.Value, 0, "USDC", "USDC", Evm.Value, 1, "1234567" },
        { Evm.Value, 1, "USDC", "USDC", Solana.Value, 0, "1234567890123456789" },
        { Evm.Value, 2, "WETH", "SOL", Solana.Value, 3, "1500000000000000000" },
        { Solana.Value, 3, "SOL", "WETH", Evm.Value, 2, "987654321" },
        { Solana.Value, 0, "USDC", "WETH", Evm.Value, 2, "2500000000" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public void Quote_EqualsWhatTheClearingPaysALoneIntent(ulong origin, ulong inputIndex, string inputAsset, string outputAsset, ulong destination, ulong outputIndex, string amount)
    {
        var request = new QuoteRequest(new ChainId(origin), Token(inputIndex), UInt256.Parse(amount), new ChainId(destination), Token(outputIndex));

        var quote = IntentQuote.Quote(Assets, FeeBps, request);
        var paid = PayoutOf(Clear(request, quote.ExpectedOutput));

        Assert.Equal(inputAsset, quote.InputAssetId);
        Assert.Equal(outputAsset, quote.OutputAssetId);
        Assert.Equal(inputAsset == outputAsset, quote.IsTransfer);
        Assert.True(quote.ExpectedOutput > UInt256.Zero);
        Assert.Equal(quote.GrossOutput - quote.Fee, quote.ExpectedOutput);
        Assert.Equal(quote.ExpectedOutput, paid);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void Quote_IsTheMostALoneIntentCanAsk(ulong origin, ulong inputIndex, string inputAsset, string outputAsset, ulong destination, ulong outputIndex, string amount)
    {
        _ = (inputAsset, outputAsset);
        var request = new QuoteRequest(new ChainId(origin), Token(inputIndex), UInt256.Parse(amount), new ChainId(destination), Token(outputIndex));
        var quote = IntentQuote.Quote(Assets, FeeBps, request);

        var batch = EpochClearing.Clear(Epoch(request, quote.ExpectedOutput + UInt256.One, spreadBps: 0));

        Assert.Equal([Bytes32.FromUInt64(1)], batch.Deferred);
        Assert.Empty(batch.Filled);
    }

    [Fact]
    public void Quote_TransferAcrossDecimals_IsExact()
    {
        // 1.234567 USDC (6 decimals) to 18 decimals: gross 1234567 × 10^12, fee floor(gross × 7 / 10000).
        var quote = IntentQuote.Quote(Assets, FeeBps, new QuoteRequest(Solana, UsdcSolana, 1_234_567UL, Evm, UsdcEvm));

        Assert.Equal(UInt256.Parse("1234567000000000000"), quote.GrossOutput);
        Assert.Equal(UInt256.Parse("864196900000000"), quote.Fee);
        Assert.Equal(UInt256.Parse("1233702803100000000"), quote.ExpectedOutput);
    }

    [Fact]
    public void Quote_UnknownTokenOrZeroAmount_NamesTheField()
    {
        Assert.Equal("inputToken", Assert.Throws<QuoteRejectedException>(() => IntentQuote.Quote(Assets, FeeBps, new QuoteRequest(Evm, UsdcSolana, 1UL, Solana, UsdcSolana))).Field);
        Assert.Equal("outputToken", Assert.Throws<QuoteRejectedException>(() => IntentQuote.Quote(Assets, FeeBps, new QuoteRequest(Evm, UsdcEvm, 1UL, new ChainId(5), UsdcSolana))).Field);
        Assert.Equal("inputAmount", Assert.Throws<QuoteRejectedException>(() => IntentQuote.Quote(Assets, FeeBps, new QuoteRequest(Evm, UsdcEvm, UInt256.Zero, Solana, UsdcSolana))).Field);
    }

    [Fact]
    public void MinimumOutput_RoundsDown()
    {
        Assert.Equal((UInt256)994UL, IntentQuote.MinimumOutput(999UL, 50));
        Assert.Equal((UInt256)999UL, IntentQuote.MinimumOutput(999UL, 0));
        Assert.Equal(UInt256.Zero, IntentQuote.MinimumOutput(999UL, 10_000));
        Assert.Throws<ArgumentOutOfRangeException>(() => IntentQuote.MinimumOutput(999UL, 10_001));
    }

    private static Bytes32 Token(ulong index) => index switch
    {
        0 => UsdcSolana,
        1 => UsdcEvm,
        2 => WethEvm,
        _ => SolSolana,
    };

    private static SettlementBatch Clear(QuoteRequest request, UInt256 minOutput) => EpochClearing.Clear(Epoch(request, minOutput, spreadBps: 30));

    private static UInt256 PayoutOf(SettlementBatch batch)
    {
        Assert.Equal([Bytes32.FromUInt64(1)], batch.Filled);
        return Assert.Single(batch.Legs.SelectMany(l => l.Actions), a => a.Kind == ActionKind.Payout).Amount;
    }

    private static EpochInput Epoch(QuoteRequest request, UInt256 minOutput, uint spreadBps) => new()
    {
        EpochId = 1,
        ClosesAt = 1_767_225_600,
        SettlementMarginSeconds = 120,
        FeeBps = FeeBps,
        SpreadBps = spreadBps,
        Assets = Assets,
        Pools = [.. Assets.SelectMany(a => a.Tokens).Select(t => new PoolBalance(t.ChainId, t.Token, UInt256.Parse("1000000000000000000000000000")))],
        Intents =
        [
            new Intent
            {
                IntentId = Bytes32.FromUInt64(1),
                OriginChainId = request.OriginChainId,
                DepositNonce = 1,
                Depositor = request.OriginChainId == Evm ? EvmWallet : SolanaWallet,
                InputToken = request.InputToken,
                InputAmount = request.InputAmount,
                DestinationChainId = request.DestinationChainId,
                OutputToken = request.OutputToken,
                MinOutputAmount = minOutput,
                Recipient = request.DestinationChainId == Evm ? EvmWallet : SolanaWallet,
                FillDeadline = 1_767_229_200,
            },
        ],
    };
}
