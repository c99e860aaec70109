using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>anvil with automine off: the submitter's transaction waits in the pool while the test decides what happens.</summary>
[Trait("Category", "Integration")]
public sealed class MempoolIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public MempoolIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Submit_DroppedFromThePool_ResubmitsAtTheSameNonceWithHigherFees()
    {
        await _bed.FundPoolAsync(1_000);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);
        await SetAutomineAsync(false);
        try
        {
            var submit = Submitter().SubmitAsync(Chunk(300, 11), CancellationToken.None);
            var first = await WaitForPendingAsync();
            await _bed.Rpc.RequestAsync("anvil_dropAllTransactions", [], CancellationToken.None);
            await _bed.MineAsync(3);
            var second = await WaitForPendingAsync();
            await _bed.Rpc.RequestAsync("evm_mine", [], CancellationToken.None);
            var result = await submit.WaitAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(second.Hash.ToString(), result.TransactionId);
            Assert.Equal(nonce, first.Nonce);
            Assert.Equal(nonce, second.Nonce);
            Assert.True(second.MaxFeePerGas > first.MaxFeePerGas);
        }
        finally
        {
            await SetAutomineAsync(true);
        }
    }

    [Fact]
    public async Task Submit_NonceTakenByAReplacementSentElsewhere_AdoptsItAndAppliesWithTheNextNonce()
    {
        await _bed.FundPoolAsync(1_000);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);
        await SetAutomineAsync(false);
        try
        {
            var submit = Submitter().SubmitAsync(Chunk(301, 12), CancellationToken.None);
            var ours = await WaitForPendingAsync();

            // The same account (another process holding the key) replaces it with a higher-priced self-transfer.
            var replacement = new Eip1559Transaction
            {
                ChainId = Chain.Value,
                Nonce = nonce,
                MaxPriorityFeePerGas = 20_000_000_000,
                MaxFeePerGas = 90_000_000_000,
                GasLimit = 21_000,
                To = _bed.Relayer.Address,
            }.Sign(_bed.Relayer);
            await _bed.Rpc.SendRawTransactionAsync(replacement.Raw, CancellationToken.None);
            await _bed.Rpc.RequestAsync("evm_mine", [], CancellationToken.None);
            Assert.NotNull(await _bed.Rpc.GetTransactionReceiptAsync(replacement.Hash, CancellationToken.None));
            await SetAutomineAsync(true);

            var result = await submit.WaitAsync(TimeSpan.FromSeconds(20));
            var applied = Bytes32.Parse(result.TransactionId!);
            Assert.NotEqual(ours.Hash, applied);
            Assert.Equal(nonce + 1, (await TransactionAsync(applied)).Nonce);
        }
        finally
        {
            await SetAutomineAsync(true);
        }
    }

    private ChunkSubmitter Submitter()
    {
        var options = _bed.Options();
        options.ResubmitAfterBlocks = 2;
        var sender = _bed.CreateSender(options);
        return new ChunkSubmitter(_bed.Rpc, sender, _bed.Signers.Select(k => (ILegSigner)new LocalLegSigner(k)), options, NullLogger<ChunkSubmitter>.Instance);
    }

    private SettlementChunk Chunk(ulong epoch, ulong amount)
    {
        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key($"mempool-payee-{epoch}").PublicKey);
        return TestChunks.Single(Chain, epoch, [new SettlementAction(ActionKind.Payout, Keccak256.Hash(BitConverter.GetBytes(epoch)), _bed.Token.ToBytes32(), payee.ToBytes32(), amount)]);
    }

    private Task SetAutomineAsync(bool on) => _bed.Rpc.RequestAsync("evm_setAutomine", [on], CancellationToken.None);

    /// <summary>The relayer's transaction in the pending block, once there is one.</summary>
    private async Task<(Bytes32 Hash, ulong Nonce, BigInteger MaxFeePerGas)> WaitForPendingAsync()
    {
        for (var i = 0; i < 400; i++)
        {
            var pending = await _bed.Rpc.RequestAsync("eth_getBlockByNumber", ["pending", false], CancellationToken.None);
            if (pending.ValueKind == JsonValueKind.Object && pending.GetProperty("transactions").GetArrayLength() > 0)
            {
                return await TransactionAsync(Bytes32.Parse(pending.GetProperty("transactions")[0].GetString()!));
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("The submitter sent nothing.");
    }

    private async Task<(Bytes32 Hash, ulong Nonce, BigInteger MaxFeePerGas)> TransactionAsync(Bytes32 hash)
    {
        var transaction = await _bed.Rpc.RequestAsync("eth_getTransactionByHash", [hash.ToString()], CancellationToken.None);
        return (hash, Hex.DecodeQuantity(transaction.GetProperty("nonce").GetString()!), Hex.DecodeBigQuantity(transaction.GetProperty("maxFeePerGas").GetString()!));
    }
}
