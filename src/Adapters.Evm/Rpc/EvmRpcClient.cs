using System.Collections;
using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>
/// The EVM JSON-RPC methods over the shared <see cref="JsonRpcTransport"/> (one <see cref="HttpClient"/>, the chain's
/// retry and circuit-breaker pipeline). Reverts are decoded with the contract's ABI into <see cref="EvmRevertException"/>.
/// </summary>
public sealed class EvmRpcClient : IEvmRpc
{
    private readonly JsonRpcTransport _transport;
    private readonly ContractAbi? _errorAbi;

    /// <param name="http">The shared client; never one per call (its own timeout should be infinite: attempts time out by <c>Rpc:AttemptTimeout</c>).</param>
    /// <param name="endpoint">The node's HTTP JSON-RPC URL and the chain it serves.</param>
    /// <param name="rpc">The chain's <c>Rpc</c> section: retries, attempt timeout, circuit breaker.</param>
    /// <param name="errorAbi">The ABI whose custom errors name reverts (the escrow's), or null.</param>
    /// <param name="logger">Transport failures at Debug, retries at Information.</param>
    /// <param name="timeProvider">The clock of retry delays and timeouts.</param>
    public EvmRpcClient(HttpClient http, RpcEndpoint endpoint, ChainRpcOptions rpc, ContractAbi? errorAbi, ILogger<EvmRpcClient> logger, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var time = timeProvider ?? TimeProvider.System;
        _errorAbi = errorAbi;
        _transport = new JsonRpcTransport(http, endpoint, RpcPipeline.Create(rpc, endpoint, EvmRpcErrors.IsTransient, time, logger), logger, time, ToException);
    }

    public async Task<ulong> ChainIdAsync(CancellationToken cancellationToken) =>
        Hex.DecodeQuantity((await RequestAsync("eth_chainId", [], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken) =>
        Hex.DecodeQuantity((await RequestAsync("eth_blockNumber", [], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) =>
        ParseHeader(await RequestAsync("eth_getBlockByNumber", [block, false], cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(numbers);
        if (numbers.Count == 0)
        {
            return [];
        }

        var results = await BatchAsync(numbers.Select(n => new RpcRequest("eth_getBlockByNumber", [BlockTag.Number(n), false])).ToArray(), cancellationToken).ConfigureAwait(false);
        return results.Select(ParseHeader).ToArray();
    }

    public async Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var parameters = new Dictionary<string, object?>
        {
            ["fromBlock"] = BlockTag.Number(filter.FromBlock),
            ["toBlock"] = BlockTag.Number(filter.ToBlock),
            ["address"] = filter.Address.ToLowerHex(),
        };
        object? topic0 = filter.Topic0 is { Count: > 0 } alternatives ? alternatives.Select(t => (object?)t.ToString()).ToArray() : null;
        if (filter.Topic1 is { } topic1)
        {
            parameters["topics"] = new object?[] { topic0, topic1.ToString() };
        }
        else if (topic0 is not null)
        {
            parameters["topics"] = new object?[] { topic0 };
        }

        var result = await RequestAsync("eth_getLogs", [parameters], cancellationToken).ConfigureAwait(false);
        return result.EnumerateArray().Select(ParseLog).ToArray();
    }

    public async Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) =>
        Hex.Decode((await RequestAsync("eth_call", [CallObject(call), block], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken)
    {
        var block = new Dictionary<string, object?> { ["blockHash"] = blockHash.ToString(), ["requireCanonical"] = true };
        return Hex.Decode((await RequestAsync("eth_call", [CallObject(call), block], cancellationToken).ConfigureAwait(false)).GetString()!);
    }

    public async Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) =>
        Hex.DecodeQuantity((await RequestAsync("eth_estimateGas", [CallObject(call)], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        Hex.DecodeQuantity((await RequestAsync("eth_getTransactionCount", [account.ToLowerHex(), block], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        Hex.DecodeBigQuantity((await RequestAsync("eth_getBalance", [account.ToLowerHex(), block], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) =>
        Hex.DecodeBigQuantity((await RequestAsync("eth_maxPriorityFeePerGas", [], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockCount);
        ArgumentOutOfRangeException.ThrowIfNegative(rewardPercentile);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rewardPercentile, 100);
        var result = await RequestAsync("eth_feeHistory", [Hex.EncodeQuantity((ulong)blockCount), newestBlock, new[] { rewardPercentile }], cancellationToken).ConfigureAwait(false);
        return ParseFeeHistory(result);
    }

    internal static FeeHistory ParseFeeHistory(JsonElement result)
    {
        var baseFees = result.GetProperty("baseFeePerGas").EnumerateArray().Select(f => Hex.DecodeBigQuantity(f.GetString()!)).ToArray();
        var rewards = result.TryGetProperty("reward", out var reward) && reward.ValueKind == JsonValueKind.Array
            ? reward.EnumerateArray().Select(r => r.GetArrayLength() == 0 ? BigInteger.Zero : Hex.DecodeBigQuantity(r[0].GetString()!)).ToArray()
            : [];

        // gasUsedRatio is a JSON fraction; only "was any gas used" matters, read without binary floating point.
        var used = result.TryGetProperty("gasUsedRatio", out var ratios) && ratios.ValueKind == JsonValueKind.Array
            ? ratios.EnumerateArray().Select(r => !r.TryGetDecimal(out var d) || d != 0m).ToArray()
            : [];
        return new FeeHistory(Hex.DecodeQuantity(result.GetProperty("oldestBlock").GetString()!), baseFees, rewards, used);
    }

    public async Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken) =>
        Bytes32.Parse((await RequestAsync("eth_sendRawTransaction", [Hex.Encode(raw)], cancellationToken).ConfigureAwait(false)).GetString()!);

    public async Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken)
    {
        var result = await RequestAsync("eth_getTransactionReceipt", [transactionHash.ToString()], cancellationToken).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : ParseReceipt(result);
    }

    public async Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var activity = EvmTelemetry.ActivitySource.StartActivity($"rpc {method}", ActivityKind.Client);
        return await _transport.CallAsync(method, writer => WriteParameters(writer, parameters), static result => result, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        using var activity = EvmTelemetry.ActivitySource.StartActivity("rpc batch", ActivityKind.Client);
        activity?.SetTag("rpc.batch_size", requests.Count);
        var label = requests.Count > 0 ? $"batch({requests[0].Method})" : "batch()";
        return await _transport.SendAsync(label, writer =>
        {
            writer.WriteStartArray();
            foreach (var request in requests)
            {
                _transport.WriteRequest(writer, request.Method, w => WriteParameters(w, request.Parameters));
            }

            writer.WriteEndArray();
        }, root => BatchResults(root, requests, label), cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<JsonElement> BatchResults(JsonElement root, IReadOnlyList<RpcRequest> requests, string label)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            // A node may answer a whole batch with one error object.
            return [_transport.ResultOf(root, label)];
        }

        var byId = new Dictionary<long, JsonElement>();
        foreach (var response in root.EnumerateArray())
        {
            if (response.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number)
            {
                byId[id.GetInt64()] = response;
            }
        }

        // Ids were assigned consecutively while writing; responses may come in any order.
        var ordered = byId.OrderBy(p => p.Key).Select(p => p.Value).ToArray();
        if (ordered.Length != requests.Count)
        {
            throw new RpcTransportException($"Batch of {requests.Count} got {ordered.Length} responses.", null) { Method = label };
        }

        return ordered.Select((response, i) => _transport.ResultOf(response, requests[i].Method)).ToArray();
    }

    private static void WriteParameters(Utf8JsonWriter writer, IReadOnlyList<object?> parameters)
    {
        foreach (var parameter in parameters)
        {
            WriteValue(writer, parameter);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case JsonElement element:
                element.WriteTo(writer);
                break;
            case IDictionary<string, object?> map:
                writer.WriteStartObject();
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteValue(writer, item);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"Cannot write a {value.GetType().Name} as a JSON-RPC parameter.", nameof(value));
        }
    }

    private JsonRpcException ToException(JsonElement error, string method)
    {
        var code = JsonRpcException.ErrorCode(error);
        var message = JsonRpcException.ErrorMessage(error);
        string? revertHex = null;
        if (error.TryGetProperty("data", out var data))
        {
            if (data.ValueKind == JsonValueKind.String && data.GetString() is { } hex && hex.StartsWith("0x", StringComparison.Ordinal))
            {
                revertHex = hex;
            }
            else if (data.ValueKind == JsonValueKind.Object && data.TryGetProperty("data", out var inner) && inner.ValueKind == JsonValueKind.String)
            {
                revertHex = inner.GetString();
            }
        }

        var isRevert = code == 3 || message.Contains("revert", StringComparison.OrdinalIgnoreCase);
        if (isRevert)
        {
            var revertData = revertHex is null ? [] : Hex.Decode(revertHex);
            var decoded = _errorAbi?.DecodeError(revertData);
            return new EvmRevertException(code, message, revertData, decoded) { Method = method };
        }

        return JsonRpcException.FromErrorObject(error, method);
    }

    private static BlockHeader? ParseHeader(JsonElement block) =>
        block.ValueKind == JsonValueKind.Null
            ? null
            : new BlockHeader(
                Quantity(block, "number"),
                Bytes32.Parse(block.GetProperty("hash").GetString()!),
                Bytes32.Parse(block.GetProperty("parentHash").GetString()!),
                Quantity(block, "timestamp"),
                block.TryGetProperty("baseFeePerGas", out var fee) && fee.ValueKind == JsonValueKind.String ? Hex.DecodeBigQuantity(fee.GetString()!) : null)
            {
                GasLimit = block.TryGetProperty("gasLimit", out var gasLimit) && gasLimit.ValueKind == JsonValueKind.String ? Hex.DecodeQuantity(gasLimit.GetString()!) : 0,
            };

    internal static EvmLog ParseLog(JsonElement log) => new()
    {
        Address = EvmAddress.Parse(log.GetProperty("address").GetString()!.ToLowerInvariant()),
        Topics = log.GetProperty("topics").EnumerateArray().Select(t => Bytes32.Parse(t.GetString()!)).ToArray(),
        Data = Hex.Decode(log.GetProperty("data").GetString()!),
        BlockNumber = Quantity(log, "blockNumber"),
        BlockHash = Bytes32.Parse(log.GetProperty("blockHash").GetString()!),
        TransactionHash = Bytes32.Parse(log.GetProperty("transactionHash").GetString()!),
        LogIndex = (int)Quantity(log, "logIndex"),
        Removed = log.TryGetProperty("removed", out var removed) && removed.ValueKind == JsonValueKind.True,
    };

    private static TransactionReceipt ParseReceipt(JsonElement receipt) => new()
    {
        TransactionHash = Bytes32.Parse(receipt.GetProperty("transactionHash").GetString()!),
        BlockNumber = Quantity(receipt, "blockNumber"),
        BlockHash = Bytes32.Parse(receipt.GetProperty("blockHash").GetString()!),
        Succeeded = Quantity(receipt, "status") == 1,
        GasUsed = Quantity(receipt, "gasUsed"),
        EffectiveGasPrice = receipt.TryGetProperty("effectiveGasPrice", out var price) ? Hex.DecodeBigQuantity(price.GetString()!) : BigInteger.Zero,
        From = EvmAddress.Parse(receipt.GetProperty("from").GetString()!.ToLowerInvariant()),
        To = OptionalAddress(receipt, "to"),
        ContractAddress = OptionalAddress(receipt, "contractAddress"),
        Logs = receipt.GetProperty("logs").EnumerateArray().Select(ParseLog).ToArray(),
    };

    private static EvmAddress? OptionalAddress(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? EvmAddress.Parse(value.GetString()!.ToLowerInvariant()) : null;

    private static ulong Quantity(JsonElement element, string name) => Hex.DecodeQuantity(element.GetProperty(name).GetString()!);

    private static Dictionary<string, object?> CallObject(CallRequest call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var result = new Dictionary<string, object?> { ["data"] = Hex.Encode(call.Data) };
        if (call.To is { } to)
        {
            result["to"] = to.ToLowerHex();
        }

        if (call.From is { } from)
        {
            result["from"] = from.ToLowerHex();
        }

        if (call.Value is { } value)
        {
            result["value"] = Hex.EncodeQuantity(value);
        }

        if (call.Gas is { } gas)
        {
            result["gas"] = Hex.EncodeQuantity(gas);
        }

        return result;
    }
}
