using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;

namespace DiscreteExec.Adapters.Evm.Tests.Submission;

public class FeePolicyTests
{
    private const long Gwei = 1_000_000_000;

    private static EvmChainOptions Options(Action<EvmChainOptions>? configure = null)
    {
        var options = new EvmChainOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/") },
            ChainId = 31337,
            EscrowAddress = FakeChain.Escrow.ToString(),
            MaxFeePerGasWei = 500 * Gwei,
            MaxPriorityFeePerGasWei = 5 * Gwei,
        };
        configure?.Invoke(options);
        return options;
    }

    private static FeeHistory History(long[] baseFees, long[] tips, bool[]? used = null) =>
        new(100, [.. baseFees.Select(f => new BigInteger(f))], [.. tips.Select(t => new BigInteger(t))], used ?? [.. tips.Select(_ => true)]);

    [Fact]
    public void TipFromHistory_MedianOfTheBlocksThatUsedGas_EmptyBlocksIgnored()
    {
        var history = History([1, 1, 1, 1, 1, 1], [7, 0, 3, 0, 5], [true, false, true, false, true]);
        Assert.Equal(new BigInteger(5), FeePolicy.TipFromHistory(history));

        // Even count: the lower middle (the cheaper of the two).
        Assert.Equal(new BigInteger(3), FeePolicy.TipFromHistory(History([1, 1, 1, 1, 1], [9, 3, 1, 4])));
        Assert.Null(FeePolicy.TipFromHistory(History([1, 1, 1], [0, 0], [false, false])));
    }

    [Fact]
    public void ProjectBaseFee_FlatOrFalling_IsTheNextBaseFee()
    {
        Assert.Equal(new BigInteger(10 * Gwei), FeePolicy.ProjectBaseFee(History([10 * Gwei, 10 * Gwei, 10 * Gwei], [1, 1]), 3));
        Assert.Equal(new BigInteger(4 * Gwei), FeePolicy.ProjectBaseFee(History([20 * Gwei, 9 * Gwei, 4 * Gwei], [1, 1]), 3));
    }

    [Fact]
    public void ProjectBaseFee_Rising_AddsTheAverageRisePerBlockForTheBlocksBeforeABump()
    {
        // 10 -> 20 gwei over 4 blocks: 2.5 gwei per block; 3 blocks until the first bump: 20 + 7.5.
        var history = History([10 * Gwei, 11 * Gwei, 13 * Gwei, 16 * Gwei, 20 * Gwei], [1, 1, 1, 1]);
        Assert.Equal(new BigInteger(27_500_000_000), FeePolicy.ProjectBaseFee(history, 3));
        Assert.Equal(new BigInteger(22_500_000_000), FeePolicy.ProjectBaseFee(history, 1));
    }

    [Fact]
    public void FromHistory_MaxFeeIsProjectedWithHeadroomPlusTheTip()
    {
        var steady = History([10 * Gwei, 10 * Gwei, 10 * Gwei], [2 * Gwei, 2 * Gwei]);
        var choice = FeePolicy.FromHistory(steady, 0, Options());
        Assert.Equal((new BigInteger(10 * Gwei), new BigInteger(10 * Gwei), new BigInteger(2 * Gwei), new BigInteger(22 * Gwei)), (choice.NextBaseFee, choice.ProjectedBaseFee, choice.Tip, choice.MaxFee));

        var lean = FeePolicy.FromHistory(steady, 0, Options(o => o.BaseFeeHeadroomPercent = 25));
        Assert.Equal(new BigInteger(14_500_000_000), lean.MaxFee);
    }

    [Fact]
    public void FromHistory_FollowsTheBaseFeeUpAndDown()
    {
        var options = Options();
        var low = FeePolicy.FromHistory(History([Gwei, Gwei, Gwei], [Gwei, Gwei]), 0, options);
        var high = FeePolicy.FromHistory(History([40 * Gwei, 40 * Gwei, 40 * Gwei], [Gwei, Gwei]), 0, options);
        var back = FeePolicy.FromHistory(History([40 * Gwei, 20 * Gwei, 3 * Gwei], [Gwei, Gwei]), 0, options);
        Assert.Equal(new BigInteger(3 * Gwei), low.MaxFee);
        Assert.Equal(new BigInteger(81 * Gwei), high.MaxFee);
        Assert.Equal(new BigInteger(7 * Gwei), back.MaxFee);
    }

    [Fact]
    public void FromHistory_CapsAndFallback()
    {
        // Tips above the tip cap are capped; a max fee above the fee cap is capped, and the tip never exceeds it.
        var options = Options(o =>
        {
            o.MaxPriorityFeePerGasWei = 3 * Gwei;
            o.MaxFeePerGasWei = 50 * Gwei;
        });
        var busy = FeePolicy.FromHistory(History([30 * Gwei, 30 * Gwei], [9 * Gwei]), 0, options);
        Assert.Equal((new BigInteger(3 * Gwei), new BigInteger(50 * Gwei)), (busy.Tip, busy.MaxFee));
        var capBelowTip = FeePolicy.Choose(0, 0, 9 * Gwei, Options(o =>
        {
            o.MaxPriorityFeePerGasWei = 3 * Gwei;
            o.MaxFeePerGasWei = Gwei;
        }));
        Assert.Equal((new BigInteger(Gwei), new BigInteger(Gwei)), (capBelowTip.Tip, capBelowTip.MaxFee));

        // No block used gas: the fallback tip (from the node) is used.
        var quiet = FeePolicy.FromHistory(History([Gwei, Gwei], [0], [false]), 123, Options());
        Assert.Equal(new BigInteger(123), quiet.Tip);
    }

    [Fact]
    public void GasLimit_EstimatePlusMarginRoundedUp_CappedAtTheChunkBudget()
    {
        var options = Options();
        Assert.Equal(125_000UL, FeePolicy.GasLimit(100_000, options));
        Assert.Equal(124UL, FeePolicy.GasLimit(99, options));
        Assert.Equal(101UL, FeePolicy.GasLimit(100, Options(o => o.GasLimitMarginPercent = 1)));
        Assert.Equal(103UL, FeePolicy.GasLimit(101, Options(o => o.GasLimitMarginPercent = 1)));
        Assert.Equal(5_000_000UL, FeePolicy.GasLimit(4_900_000, options));
        Assert.Throws<ArgumentOutOfRangeException>(() => FeePolicy.GasLimit(5_000_001, options));
    }

    [Fact]
    public void ParseFeeHistory_AnvilAnswer()
    {
        // eth_feeHistory(4, latest, [50]) from anvil after anvil_setNextBlockBaseFeePerGas(20 gwei).
        using var json = JsonDocument.Parse("""
            {"baseFeePerGas":["0x3b9aca00","0x3b9aca00","0x342770c0","0x2da282a8","0x4a817c800"],"gasUsedRatio":[0.0,0.5,0.0,1e-3],
             "baseFeePerBlobGas":["0x1","0x1","0x1","0x1","0x1"],"blobGasUsedRatio":[0.0,0.0,0.0,0.0],"oldestBlock":"0x7","reward":[["0x0"],["0x3b9aca00"],["0x0"],["0x1"]]}
            """);
        var history = EvmRpcClient.ParseFeeHistory(json.RootElement);
        Assert.Equal(7UL, history.OldestBlock);
        Assert.Equal(new BigInteger(20 * Gwei), history.NextBaseFee);
        Assert.Equal(5, history.BaseFeePerGas.Count);
        Assert.Equal([false, true, false, true], history.GasUsed);
        Assert.Equal([BigInteger.Zero, new BigInteger(Gwei), BigInteger.Zero, BigInteger.One], history.Rewards);
    }

    [Fact]
    public void CheckBlockGasLimit_ChunkBudgetAboveTheShare_NamesTheKey()
    {
        var options = Options();
        EvmChainGuard.CheckBlockGasLimit(options, 10_000_000, 5);
        var error = Assert.Throws<InvalidOperationException>(() => EvmChainGuard.CheckBlockGasLimit(options, 9_999_999, 5));
        Assert.StartsWith("MaxGasPerChunk: 5000000 is more than MaxBlockGasSharePercent 50%", error.Message, StringComparison.Ordinal);
        Assert.Contains("at most 4999999", error.Message, StringComparison.Ordinal);
        options.MaxBlockGasSharePercent = 60;
        EvmChainGuard.CheckBlockGasLimit(options, 9_999_999, 5);
    }

    [Fact]
    public async Task EnsureBlockGasLimit_BlockGasLimitTooSmallForTheChunkBudget_FailsNamingMaxGasPerChunk()
    {
        var chain = new FakeChain(3) { BlockGasLimit = 8_000_000 };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => chain.EnsureBlockGasLimitAsync(Options(), CancellationToken.None));
        Assert.StartsWith("MaxGasPerChunk:", error.Message, StringComparison.Ordinal);
        chain.BlockGasLimit = 30_000_000;
        await chain.EnsureBlockGasLimitAsync(Options(), CancellationToken.None);
    }

    [Fact]
    public async Task EnsureChain_BlockGasLimitTooSmallForTheChunkBudget_DoesNotStopTheWatchersCheck()
    {
        // Found in review: the gas-budget check ran in the watcher's start-up guard, so a settlement setting (or a
        // chain lowering its gas limit) stopped deposit intake. Only the submitter checks it now.
        var chain = new FakeChain(3) { BlockGasLimit = 8_000_000 };
        await chain.EnsureChainAsync(Options(), CancellationToken.None);
    }
}
