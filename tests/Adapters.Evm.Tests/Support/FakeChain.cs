using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>
/// An in-memory chain behind <see cref="IEvmRpc"/> for watcher unit tests: blocks with logs, reorgs that replace a
/// suffix with new hashes, and a node that refuses eth_getLogs over more than <see cref="RefuseRangeAbove"/> blocks.
/// </summary>
public sealed class FakeChain : IEvmRpc
{
    public static readonly ChainId Chain = new(31337);
    public static readonly EvmAddress Escrow = EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3");
    private readonly List<(Bytes32 Hash, List<EvmLog> Logs)> _blocks = [];
    private int _fork;

    public FakeChain(int blocks = 1)
    {
        for (var i = 0; i < blocks; i++)
        {
            Mine();
        }
    }

    public int RefuseRangeAbove { get; set; } = int.MaxValue;

    public int GetLogsCalls { get; private set; }

    /// <summary>Plays a node that is not an archive node: eth_call below this block fails.</summary>
    public ulong StateUnavailableBelow { get; set; }

    /// <summary>When set, eth_call below this block fails with this message instead (e.g. a lagging node's "header not found").</summary>
    public string? StateErrorMessage { get; set; }

    /// <summary>Plays a provider that leaves entries out of eth_getLogs answers (given the filter: scans or targeted queries).</summary>
    public Func<LogFilter, EvmLog, bool> DropLog { get; set; } = (_, _) => false;

    public ulong Head => (ulong)_blocks.Count - 1;

    /// <summary>Runs once, before the next eth_call is answered (e.g. a reorg landing between a scan and its reconciliation).</summary>
    public Action? BeforeCall { get; set; }

    /// <summary>Mines a block with the given logs (their block fields are filled in).</summary>
    public ulong Mine(params Func<ulong, Bytes32, EvmLog>[] logs)
    {
        var number = (ulong)_blocks.Count;
        var hash = Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes($"{_fork}:{number}"));
        _blocks.Add((hash, logs.Select(l => l(number, hash)).ToList()));
        return number;
    }

    /// <summary>Drops every block from <paramref name="fromBlock"/> on; the next blocks mined get new hashes.</summary>
    public void Reorg(ulong fromBlock)
    {
        _fork++;
        _blocks.RemoveRange((int)fromBlock, _blocks.Count - (int)fromBlock);
    }

    public static Func<ulong, Bytes32, EvmLog> IntentOpened(ulong nonce, ulong amount = 1_000, int logIndex = 0) => (block, hash) =>
    {
        var depositor = EvmAddress.Parse("0x" + new string('a', 38) + ((nonce % 200) + 16).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        var data = AbiEncoder.Encode(
            [AbiType.Uint(64), AbiType.Address, AbiType.Uint(256), AbiType.FixedBytes(32), AbiType.Uint(256), AbiType.FixedBytes(32), AbiType.Uint(64)],
            [nonce, EvmAddress.Parse("0x" + new string('7', 40)), amount, Bytes32.FromUInt64(0xabc), amount - 1, Bytes32.FromUInt64(0xdef + nonce), 4_000_000_000UL]);
        return Log(block, hash, logIndex, [IntentOpenedDecoder.Topic0, IntentId.Compute(Chain, Escrow.ToBytes32(), nonce), depositor.ToBytes32(), Bytes32.FromUInt64(900_001)], data);
    };

    public static Func<ulong, Bytes32, EvmLog> Raw(IReadOnlyList<Bytes32> topics, byte[] data, int logIndex = 0) => (block, hash) => Log(block, hash, logIndex, topics, data);

    private static EvmLog Log(ulong block, Bytes32 hash, int logIndex, IReadOnlyList<Bytes32> topics, byte[] data) => new()
    {
        Address = Escrow,
        Topics = topics,
        Data = data,
        BlockNumber = block,
        BlockHash = hash,
        TransactionHash = Keccak256.Hash(BitConverter.GetBytes(block * 1000 + (ulong)logIndex)),
        LogIndex = logIndex,
    };

    public Task<ulong> BlockNumberAsync(CancellationToken cancellationToken) => Task.FromResult(Head);

    public Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) =>
        Task.FromResult(Header(block == BlockTag.Latest ? Head : DiscreteExec.Adapters.Evm.Encoding.Hex.DecodeQuantity(block)));

    public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<BlockHeader?>>(numbers.Select(Header).ToArray());

    public Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        GetLogsCalls++;
        if (filter.ToBlock - filter.FromBlock + 1 > (ulong)RefuseRangeAbove)
        {
            throw new JsonRpcException(-32005, "query returned more than 10000 results", null);
        }

        var logs = _blocks
            .Select((b, n) => (b, n: (ulong)n))
            .Where(x => x.n >= filter.FromBlock && x.n <= filter.ToBlock)
            .SelectMany(x => x.b.Logs)
            .Where(l => filter.Topic1 is not { } topic1 || (l.Topics.Count > 1 && l.Topics[1] == topic1))
            .Where(l => !DropLog(filter, l))
            .ToArray();
        return Task.FromResult<IReadOnlyList<EvmLog>>(logs);
    }

    private BlockHeader? Header(ulong number) =>
        number < (ulong)_blocks.Count
            ? new BlockHeader(number, _blocks[(int)number].Hash, number == 0 ? Bytes32.Zero : _blocks[(int)number - 1].Hash, 1_700_000_000 + number, BigInteger.One) { GasLimit = BlockGasLimit }
            : null;

    /// <summary>How many eth_chainId calls fail as if the node were unreachable (a transient transport fault).</summary>
    public int UnreachableChainIdCalls { get; set; }

    public Task<ulong> ChainIdAsync(CancellationToken cancellationToken)
    {
        if (UnreachableChainIdCalls > 0)
        {
            UnreachableChainIdCalls--;
            throw new RpcTransportException("connection refused", statusCode: null);
        }

        return Task.FromResult(Chain.Value);
    }

    /// <summary>The watcher never reads state by block hash.</summary>
    public Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>The escrow's views the watcher reconciles with (nonce, intentIdOf, intentOf), answered from the well-formed IntentOpened logs up to the block.</summary>
    public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (BeforeCall is { } hook)
        {
            BeforeCall = null;
            hook();
        }

        var at = DiscreteExec.Adapters.Evm.Encoding.Hex.DecodeQuantity(block);
        if (at < StateUnavailableBelow)
        {
            throw new JsonRpcException(-32000, StateErrorMessage ?? $"missing trie node (state of block {at} pruned)", null);
        }

        var intents = IntentsUpTo(at);
        var selector = call.Data.AsSpan(0, 4);
        if (selector.SequenceEqual(IntentEscrowAbi.Nonce().AsSpan(0, 4)))
        {
            var counter = intents.Count == 0 ? 0 : intents.Max(i => i.DepositNonce) + 1;
            return Task.FromResult(AbiEncoder.Encode([AbiType.Uint(64)], [counter]));
        }

        if (selector.SequenceEqual(IntentEscrowAbi.IntentIdOf(0).AsSpan(0, 4)))
        {
            var nonce = (ulong)IntentEscrowAbi.DecodeUInt256(call.Data.AsSpan(4)).AsUInt64;
            return Task.FromResult(IntentId.Compute(Chain, Escrow.ToBytes32(), nonce).ToArray());
        }

        if (selector.SequenceEqual(IntentEscrowAbi.IntentOf(Bytes32.Zero).AsSpan(0, 4)))
        {
            var id = IntentEscrowAbi.DecodeBytes32(call.Data.AsSpan(4));
            var stored = intents.LastOrDefault(i => i.IntentId == id);
            return Task.FromResult(stored is null
                ? AbiEncoder.Encode([AbiType.Address, AbiType.Address, AbiType.Uint(256), AbiType.Uint(64), AbiType.Uint(8)], [default(EvmAddress), default(EvmAddress), 0UL, 0UL, (byte)0])
                : AbiEncoder.Encode(
                    [AbiType.Address, AbiType.Address, AbiType.Uint(256), AbiType.Uint(64), AbiType.Uint(8)],
                    [new EvmAddress(stored.Depositor.ToArray().AsSpan(12)), new EvmAddress(stored.InputToken.ToArray().AsSpan(12)), stored.InputAmount, stored.FillDeadline, (byte)1]));
        }

        throw new NotSupportedException("eth_call of an unknown function");
    }

    private List<Intent> IntentsUpTo(ulong block)
    {
        var decoder = new IntentOpenedDecoder(Chain, Escrow);
        var intents = new List<Intent>();
        foreach (var log in _blocks.Take((int)Math.Min(block + 1, (ulong)_blocks.Count)).SelectMany(b => b.Logs))
        {
            try
            {
                intents.Add(decoder.Decode(log.Topics, log.Data));
            }
            catch (EscrowLogException)
            {
                // A malformed log opened nothing.
            }
        }

        return intents;
    }

    public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>The gas limit every block reports.</summary>
    public ulong BlockGasLimit { get; set; } = 30_000_000;

    public Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken) => throw new NotSupportedException();

    // eth_getCode: the escrow is deployed (the start-up guard asks).
    public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
        method == "eth_getCode" ? Task.FromResult(JsonDocument.Parse("\"0x6080\"").RootElement) : throw new NotSupportedException(method);

    public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) => throw new NotSupportedException();
}
