using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Submission;

public class TransactionSenderTests
{
    private static readonly EvmKey Relayer = new(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly EvmAddress Escrow = EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");

    [Fact]
    public async Task Send_NotMinedWithinResubmitBlocks_BumpsFeesAtTheSameNonce()
    {
        // The first offer is 2 x base fee (1 gwei) + tip (1 gwei) = 3 gwei; the pool wants 3.5, so only a bumped offer gets in.
        var pool = new FakeMempool { MinimumMaxFee = 3_500_000_000 };
        using var sender = Sender(pool, o => o.ResubmitAfterBlocks = 2);
        var outcome = await sender.SendAsync(Escrow, [1, 2, 3], 100_000, CancellationToken.None);

        Assert.NotNull(outcome.Receipt);
        Assert.True(pool.Sent.Count >= 2);
        Assert.All(pool.Sent, t => Assert.Equal(0UL, t.Nonce));
        for (var i = 1; i < pool.Sent.Count; i++)
        {
            Assert.True(pool.Sent[i].MaxFeePerGas * 100 >= pool.Sent[i - 1].MaxFeePerGas * 120);
            Assert.True(pool.Sent[i].MaxPriorityFeePerGas > pool.Sent[i - 1].MaxPriorityFeePerGas);
        }

        Assert.Equal(pool.MinedHash, outcome.Receipt!.TransactionHash);
    }

    [Fact]
    public async Task Send_FirstOfferFromFeeHistory_RisingBaseFeeAndTipPercentile()
    {
        // Base fee 10 -> 18 gwei over 4 blocks (2 per block; 3 blocks before a bump: projected 24), tips 1/3/2 gwei in the
        // blocks that used gas (median 2): 2 x 24 + 2 = 50 gwei.
        var pool = new FakeMempool
        {
            History = new FeeHistory(
                96,
                [10_000_000_000, 12_000_000_000, 14_000_000_000, 16_000_000_000, 18_000_000_000],
                [1_000_000_000, 0, 3_000_000_000, 2_000_000_000],
                [true, false, true, true]),
        };
        using var sender = Sender(pool, o => o.ResubmitAfterBlocks = 3);
        await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);

        var first = pool.Sent[0];
        Assert.Equal((new BigInteger(2_000_000_000), new BigInteger(50_000_000_000)), (first.MaxPriorityFeePerGas, first.MaxFeePerGas));
    }

    [Fact]
    public void Bump_ZeroTip_StillRises()
    {
        using var sender = Sender(new FakeMempool());
        Assert.Equal((BigInteger.One, new BigInteger(120)), sender.Bump(0, 100));
        Assert.Equal((new BigInteger(2), new BigInteger(122)), sender.Bump(1, 101));
    }

    [Fact]
    public async Task Send_NodeWithoutFeeHistory_PricesFromTheLatestBlock()
    {
        var pool = new FakeMempool { NoFeeHistory = true };
        using var sender = Sender(pool);
        await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);
        Assert.Equal((new BigInteger(1_000_000_000), new BigInteger(3_000_000_000)), (pool.Sent[0].MaxPriorityFeePerGas, pool.Sent[0].MaxFeePerGas));
    }

    [Fact]
    public async Task Send_FeeCapReached_NeverOffersMoreThanTheCap()
    {
        var pool = new FakeMempool { MinimumMaxFee = 9_000_000_000, MineAnywayAfterBlocks = 12 };
        using var sender = Sender(pool, o =>
        {
            o.ResubmitAfterBlocks = 1;
            o.MaxFeePerGasWei = 4_000_000_000;
        });
        await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);
        Assert.All(pool.Sent, t => Assert.True(t.MaxFeePerGas <= 4_000_000_000));
    }

    [Fact]
    public async Task Send_NonceTakenByAnotherTransaction_IsAdopted()
    {
        var pool = new FakeMempool { MinimumMaxFee = BigInteger.Pow(10, 30), ForeignReplacementAfterBlocks = 1 };
        using var sender = Sender(pool);
        var outcome = await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);
        Assert.True(outcome.NonceTakenByOther);
        Assert.Equal(0UL, outcome.Nonce);
    }

    [Fact]
    public async Task Send_NonceSeenUsedBeforeTheNodeServesOurReceipt_ReturnsOurReceiptNotAForeignNonce()
    {
        // anvil commits the account's nonce a moment before it serves the mined transaction's receipt: two receipt reads
        // in that window must not turn our own applied transaction into "nonce taken by another".
        var pool = new FakeMempool { ReceiptReadsHiddenAfterMining = 2 };
        using var sender = Sender(pool);
        var outcome = await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);
        Assert.False(outcome.NonceTakenByOther);
        Assert.Equal(pool.MinedHash, outcome.Receipt!.TransactionHash);
    }

    [Fact]
    public async Task Send_WaitsForTheConfirmationDepth()
    {
        var pool = new FakeMempool();
        using var sender = Sender(pool, o => o.ConfirmationDepth = 5);
        var outcome = await sender.SendAsync(Escrow, [1], 100_000, CancellationToken.None);
        Assert.True(pool.Head >= outcome.Receipt!.BlockNumber + 5);
    }

    private static TransactionSender Sender(FakeMempool pool, Action<EvmChainOptions>? configure = null)
    {
        var options = new EvmChainOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/") },
            ChainId = 31337,
            EscrowAddress = Escrow.ToString(),
            ConfirmationDepth = 0,
            PollInterval = TimeSpan.FromMilliseconds(1),
            MaxFeePerGasWei = 100_000_000_000,
            MaxPriorityFeePerGasWei = 2_000_000_000,
        };
        configure?.Invoke(options);
        return new TransactionSender(pool, new LocalTransactionSigner(Relayer), options, TimeProvider.System, NullLogger<TransactionSender>.Instance);
    }

    /// <summary>
    /// A node whose head advances on every eth_blockNumber, with a base fee of 1 gwei, that mines a transaction only
    /// when its max fee reaches <see cref="MinimumMaxFee"/> (or after <see cref="MineAnywayAfterBlocks"/>).
    /// </summary>
    private sealed class FakeMempool : IEvmRpc
    {
        private readonly Dictionary<Bytes32, TransactionReceipt> _receipts = [];
        private ulong _minedNonce;
        private ulong _firstSentAt = ulong.MaxValue;
        private SignedTransaction? _pending;

        public BigInteger MinimumMaxFee { get; init; }

        public ulong MineAnywayAfterBlocks { get; init; } = ulong.MaxValue;

        public ulong ForeignReplacementAfterBlocks { get; init; } = ulong.MaxValue;

        /// <summary>Receipt reads that still answer null after a transaction is mined (its nonce already counts).</summary>
        public int ReceiptReadsHiddenAfterMining { get; set; }

        public List<Eip1559Transaction> Sent { get; } = [];

        public Bytes32 MinedHash { get; private set; }

        public ulong Head { get; private set; } = 100;

        public Task<ulong> BlockNumberAsync(CancellationToken cancellationToken)
        {
            Head++;
            if (_pending is { } pending)
            {
                if (Head - _firstSentAt >= ForeignReplacementAfterBlocks)
                {
                    _minedNonce++;
                    _pending = null;
                }
                else if (pending.Transaction.MaxFeePerGas >= MinimumMaxFee || Head - _firstSentAt >= MineAnywayAfterBlocks)
                {
                    Mine(pending);
                }
            }

            return Task.FromResult(Head);
        }

        public Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken)
        {
            var signed = Eip1559Transaction.Decode(raw);
            Sent.Add(signed.Transaction);
            _firstSentAt = Math.Min(_firstSentAt, Head);
            if (signed.Transaction.Nonce < _minedNonce)
            {
                throw new JsonRpcException(-32003, "nonce too low", null);
            }

            _pending = signed;
            return Task.FromResult(signed.Hash);
        }

        private void Mine(SignedTransaction signed)
        {
            _receipts[signed.Hash] = new TransactionReceipt
            {
                TransactionHash = signed.Hash,
                BlockNumber = Head,
                BlockHash = Bytes32.FromUInt64(Head),
                Succeeded = true,
                GasUsed = 50_000,
                EffectiveGasPrice = signed.Transaction.MaxFeePerGas,
                From = Relayer.Address,
                Logs = [],
            };
            MinedHash = signed.Hash;
            _minedNonce++;
            _pending = null;
        }

        public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken)
        {
            if (_receipts.ContainsKey(transactionHash) && ReceiptReadsHiddenAfterMining > 0)
            {
                ReceiptReadsHiddenAfterMining--;
                return Task.FromResult<TransactionReceipt?>(null);
            }

            return Task.FromResult(_receipts.GetValueOrDefault(transactionHash));
        }

        public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) => Task.FromResult(_minedNonce);

        public Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) =>
            Task.FromResult<BlockHeader?>(new BlockHeader(Head, Bytes32.FromUInt64(Head), Bytes32.FromUInt64(Head - 1), 0, 1_000_000_000));

        public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => Task.FromResult(new BigInteger(1_000_000_000));

        /// <summary>When set, eth_feeHistory answers this; otherwise a steady 1 gwei base fee and 1 gwei tips in full blocks.</summary>
        public FeeHistory? History { get; set; }

        /// <summary>Plays a node without eth_feeHistory.</summary>
        public bool NoFeeHistory { get; init; }

        public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) =>
            NoFeeHistory
                ? throw new JsonRpcException(-32601, "the method eth_feeHistory does not exist/is not available", null)
                : Task.FromResult(History ?? new FeeHistory(
                    Head - (ulong)blockCount + 1,
                    [.. Enumerable.Repeat(new BigInteger(1_000_000_000), blockCount + 1)],
                    [.. Enumerable.Repeat(new BigInteger(1_000_000_000), blockCount)],
                    [.. Enumerable.Repeat(true, blockCount)]));

        public Task<ulong> ChainIdAsync(CancellationToken cancellationToken) => Task.FromResult(31337UL);

        public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
