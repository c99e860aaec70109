using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>
/// Issue 14 (EVM): chunks planned from the configured per-action gas figures, which these tests hold against anvil
/// receipts (they fail when the escrow's gas grows beyond the defaults), and fees chosen from eth_feeHistory that
/// follow the base fee when it changes (anvil_setNextBlockBaseFeePerGas).
/// </summary>
[Trait("Category", "Integration")]
public sealed class GasAndFeesIntegrationTests : IClassFixture<EscrowTestbed>
{
    private const long Gwei = 1_000_000_000;
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;
    private readonly ITestOutputHelper _output;

    public GasAndFeesIntegrationTests(EscrowTestbed bed, ITestOutputHelper output)
    {
        _bed = bed;
        _output = output;
    }

    [Fact]
    public async Task Settle_100PayoutLeg_ChunkedByTheGasFigures_FitsTheReceiptsAndFeesFollowTheBaseFee()
    {
        var options = _bed.Options();
        var defaults = new EvmChainOptions();
        Assert.Equal((defaults.MaxGasPerChunk, defaults.SettleBaseGas, defaults.GasPerAction), (options.MaxGasPerChunk, options.SettleBaseGas, options.GasPerAction));
        var limits = options.ChunkLimits;
        await _bed.FundPoolAsync(1_000_000);
        var pool = await _bed.PoolBalanceAsync();
        var recipients = Enumerable.Range(0, 100).Select(i => Fresh($"payout-100-{i}")).ToArray();
        var actions = recipients.Select((r, i) => new SettlementAction(ActionKind.Payout, Id(140_000 + (ulong)i), _bed.Token.ToBytes32(), r.ToBytes32(), 1_000 + (ulong)i)).ToArray();
        var chunks = TestChunks.Of(Chain, 14, actions, limits.MaxTransfers);
        Assert.Equal([69, 31], chunks.Select(c => c.Actions.Count));
        using var sender = _bed.CreateSender(options);
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), new LocalLegSigner(_bed.Signers[1])], options, NullLogger<ChunkSubmitter>.Instance);

        // Chunk 0 at anvil's drifting base fee; chunk 1 after the base fee jumps to 20 gwei; one more chunk after it falls to 2 gwei.
        var first = await SubmitAsync(submitter, chunks[0], options, null);
        var raised = await SubmitAsync(submitter, chunks[1], options, 20 * Gwei);
        var lowered = await SubmitAsync(
            submitter,
            TestChunks.Single(Chain, 15, [new SettlementAction(ActionKind.Payout, Id(150_000), _bed.Token.ToBytes32(), Fresh("payout-after-fall").ToBytes32(), 1)]),
            options,
            2 * Gwei);

        // Everyone paid exactly once, from the pool.
        Assert.Equal(pool - actions.Aggregate(UInt256.Zero, (sum, a) => sum + a.Amount) - 1, await _bed.PoolBalanceAsync());
        Assert.Equal((UInt256)1_000, await _bed.TokenBalanceAsync(recipients[0]));
        Assert.Equal((UInt256)1_099, await _bed.TokenBalanceAsync(recipients[99]));

        // Fees follow the base fee: the offer is what FeePolicy makes of the fee history the sender saw (checked inside
        // SubmitAsync), above the base fee of the block it landed in, and it moves with the base fee.
        Assert.True(first.MaxFee < 20 * Gwei, $"first max fee {first.MaxFee}");
        Assert.Equal(new BigInteger(20 * Gwei), raised.BlockBaseFee);
        Assert.True(raised.MaxFee >= 2 * 20 * Gwei, $"max fee {raised.MaxFee} after the base fee rose to 20 gwei");
        Assert.Equal(new BigInteger(2 * Gwei), lowered.BlockBaseFee);
        Assert.True(lowered.MaxFee < raised.MaxFee / 4, $"max fee {lowered.MaxFee} after the base fee fell to 2 gwei (was {raised.MaxFee})");
        Assert.All(new[] { first, raised, lowered }, s => Assert.True(s.MaxFee >= s.BlockBaseFee + s.Tip));

        // Gas: every chunk within what it was planned with, and the per-Payout and fixed parts within the figures.
        foreach (var s in new[] { first, raised, lowered })
        {
            Assert.True(s.GasUsed <= (ulong)(options.SettleBaseGas + (s.Actions * options.GasPerAction)), $"{s.Actions} Payouts used {s.GasUsed} gas, planned {options.SettleBaseGas} + {s.Actions} x {options.GasPerAction}");
            Assert.True(s.GasLimit >= s.GasUsed && s.GasLimit <= (ulong)options.MaxGasPerChunk);
        }

        var perPayout = (first.GasUsed - raised.GasUsed) / (ulong)(first.Actions - raised.Actions);
        var fixedPart = first.GasUsed - (perPayout * (ulong)first.Actions);
        _output.WriteLine($"chunk limits from the figures: {limits.MaxTransfers} transfers, {limits.MaxReleases} releases per chunk (MaxGasPerChunk {options.MaxGasPerChunk}, SettleBaseGas {options.SettleBaseGas}, GasPerAction {options.GasPerAction})");
        foreach (var (name, s) in new[] { ("chunk 0", first), ("chunk 1", raised), ("after fall", lowered) })
        {
            _output.WriteLine($"{name}: {s.Actions} Payouts, gasUsed {s.GasUsed} ({s.GasUsed / (ulong)s.Actions}/Payout), gas limit {s.GasLimit}; next base fee seen {s.SeenNextBaseFee}, projected {s.Projected}, tip {s.Tip}, maxFee {s.MaxFee}; block base fee {s.BlockBaseFee}");
        }

        _output.WriteLine($"measured: {perPayout} gas per Payout (fresh recipient), {fixedPart} fixed per settle");
        Assert.True(perPayout <= (ulong)options.GasPerAction, $"{perPayout} gas per Payout exceeds GasPerAction {options.GasPerAction}");
        Assert.True(fixedPart <= (ulong)options.SettleBaseGas, $"{fixedPart} fixed gas exceeds SettleBaseGas {options.SettleBaseGas}");
    }

    [Fact]
    public async Task Settle_100Releases_FitTheConfiguredGasPerRelease()
    {
        var options = _bed.Options();
        var depositor = EscrowTestbed.Key("release-100-depositor");
        await _bed.FundAsync(depositor);
        await _bed.MintAsync(depositor.Address, 100 * 1_000);
        await _bed.SendAsync(depositor, _bed.Token, TestTokenAbi.Approve(_bed.Escrow, 100 * 1_000));
        var firstNonce = IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;
        var releases = new List<SettlementAction>();
        for (ulong i = 0; i < 100; i++)
        {
            await _bed.SendAsync(depositor, _bed.Escrow, IntentEscrowAbi.Open(new IntentParams(
                _bed.Token, 1_000, new ChainId(EscrowTestbed.Destination), Keccak256.Hash(BitConverter.GetBytes(i)), 500, depositor.Address.ToBytes32(), 4_000_000_000UL)));
            releases.Add(new SettlementAction(ActionKind.Release, IntentId.Compute(Chain, _bed.Escrow.ToBytes32(), firstNonce + i), _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero));
        }

        var chunk = Assert.Single(TestChunks.Of(Chain, 16, releases));
        Assert.True(releases.Count <= options.ChunkLimits.MaxReleases);
        using var sender = _bed.CreateSender(options);
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), new LocalLegSigner(_bed.Signers[1])], options, NullLogger<ChunkSubmitter>.Instance);

        var settled = await SubmitAsync(submitter, chunk, options, null);

        _output.WriteLine($"100 Releases: gasUsed {settled.GasUsed} ({settled.GasUsed / 100}/Release), planned {options.SettleBaseGas} + 100 x {options.GasPerRelease}");
        Assert.True(settled.GasUsed <= (ulong)(options.SettleBaseGas + (100 * options.GasPerRelease)), $"100 Releases used {settled.GasUsed} gas");
        Assert.Equal(2, await _bed.IntentStatusAsync(releases[99].IntentId));
    }

    [Fact]
    public async Task Submit_ChunkBudgetOverHalfTheBlockGasLimit_RefusedNamingTheKeyBeforeSending()
    {
        var options = _bed.Options();
        options.MaxGasPerChunk = 20_000_000;
        var block = await _bed.Rpc.GetBlockAsync(BlockTag.Latest, CancellationToken.None);
        Assert.Equal(30_000_000UL, block!.GasLimit);
        using var sender = _bed.CreateSender(options);
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), new LocalLegSigner(_bed.Signers[1])], options, NullLogger<ChunkSubmitter>.Instance);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => submitter.SubmitAsync(
            TestChunks.Single(Chain, 17, [new SettlementAction(ActionKind.Payout, Id(170_000), _bed.Token.ToBytes32(), Fresh("over-budget").ToBytes32(), 1)]), CancellationToken.None));

        Assert.StartsWith("MaxGasPerChunk: 20000000 is more than MaxBlockGasSharePercent 50% of chain 31337's block gas limit 30000000", error.Message, StringComparison.Ordinal);
        Assert.Equal(nonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
    }

    [Fact]
    public async Task Submit_EstimateAboveTheChunkBudget_FailsNamingTheGasFiguresBeforeSending()
    {
        // Figures that understate the escrow's gas: 79 Payouts "fit" 100k gas, but 3 need ~250k.
        await _bed.FundPoolAsync(1_000);
        var options = _bed.Options();
        options.MaxGasPerChunk = 100_000;
        options.SettleBaseGas = 21_000;
        options.GasPerAction = 1_000;
        using var sender = _bed.CreateSender(options);
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), new LocalLegSigner(_bed.Signers[1])], options, NullLogger<ChunkSubmitter>.Instance);
        var chunk = TestChunks.Single(Chain, 18, [.. Enumerable.Range(0, 3).Select(i => new SettlementAction(ActionKind.Payout, Id(180_000 + (ulong)i), _bed.Token.ToBytes32(), Fresh($"understated-{i}").ToBytes32(), 1))]);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => submitter.SubmitAsync(chunk, CancellationToken.None));

        Assert.Equal("GasBudgetExceeded", error.ErrorName);
        Assert.Contains("more than MaxGasPerChunk 100000: SettleBaseGas or GasPerAction is below the escrow's measured gas", error.Message, StringComparison.Ordinal);
        Assert.Equal(nonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
    }

    private sealed record Settled(int Actions, ulong GasUsed, ulong GasLimit, BigInteger SeenNextBaseFee, BigInteger Projected, BigInteger Tip, BigInteger MaxFee, BigInteger BlockBaseFee);

    /// <summary>
    /// Optionally sets the next block's base fee, predicts the offer from the fee history the sender will see (nothing is
    /// mined between), submits, and checks the transaction carries exactly that offer.
    /// </summary>
    private async Task<Settled> SubmitAsync(ChunkSubmitter submitter, SettlementChunk chunk, EvmChainOptions options, long? nextBaseFee)
    {
        if (nextBaseFee is { } fee)
        {
            await _bed.Rpc.RequestAsync("anvil_setNextBlockBaseFeePerGas", [Hex.EncodeQuantity((ulong)fee)], CancellationToken.None);
        }

        var history = await _bed.Rpc.FeeHistoryAsync(options.FeeHistoryBlocks, BlockTag.Latest, options.TipPercentile, CancellationToken.None);
        var expected = FeePolicy.FromHistory(history, await _bed.Rpc.MaxPriorityFeePerGasAsync(CancellationToken.None), options);
        if (nextBaseFee is { } set)
        {
            Assert.Equal(new BigInteger(set), history.NextBaseFee);
        }

        var result = await submitter.SubmitAsync(chunk, CancellationToken.None);
        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        var hash = Bytes32.Parse(result.TransactionId!);
        var transaction = await _bed.Rpc.RequestAsync("eth_getTransactionByHash", [hash.ToString()], CancellationToken.None);
        var receipt = (await _bed.Rpc.GetTransactionReceiptAsync(hash, CancellationToken.None))!;
        var block = (await _bed.Rpc.GetBlockAsync(BlockTag.Number(receipt.BlockNumber), CancellationToken.None))!;
        var maxFee = Quantity(transaction, "maxFeePerGas");
        var tip = Quantity(transaction, "maxPriorityFeePerGas");
        Assert.Equal((expected.Tip, expected.MaxFee), (tip, maxFee));
        return new Settled(chunk.Actions.Count, receipt.GasUsed, (ulong)Quantity(transaction, "gas"), expected.NextBaseFee, expected.ProjectedBaseFee, tip, maxFee, block.BaseFeePerGas!.Value);
    }

    private static BigInteger Quantity(JsonElement element, string name) => Hex.DecodeBigQuantity(element.GetProperty(name).GetString()!);

    private static EvmAddress Fresh(string name) => new(Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes("fresh:" + name)).ToArray().AsSpan(12));

    private static Bytes32 Id(ulong n) => Keccak256.Hash(BitConverter.GetBytes(n));
}
