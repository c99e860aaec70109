using System.Collections;
using System.Diagnostics;
using System.Net;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>
/// JSON-RPC 2.0 over HTTP for one EVM node, through one shared <see cref="HttpClient"/> and a Polly pipeline that
/// retries transient faults. Reverts are decoded with the contract's ABI into <see cref="EvmRevertException"/>.
/// </summary>
public sealed partial class EvmRpcClient : IEvmRpc
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private readonly ResiliencePipeline _pipeline;
    private readonly ContractAbi? _errorAbi;
    private readonly ILogger _logger;
    private long _nextId;

    /// <param name="http">The shared client; never one per call.</param>
    /// <param name="endpoint">The node's HTTP JSON-RPC URL.</param>
    /// <param name="pipeline">See <see cref="RpcResilience.Create"/>.</param>
    /// <param name="errorAbi">The ABI whose custom errors name reverts (the escrow's), or null.</param>
    /// <param name="logger">Transport failures at Debug; the retry pipeline reports retries.</param>
    public EvmRpcClient(HttpClient http, Uri endpoint, ResiliencePipeline pipeline, ContractAbi? errorAbi, ILogger<EvmRpcClient> logger)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _errorAbi = errorAbi;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
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
        using var activity = EvmTelemetry.ActivitySource.StartActivity($"rpc {method}", ActivityKind.Client);
        return await SendWithRetriesAsync(method, writer => WriteRequest(writer, method, parameters), root => ResultOf(root, method), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        using var activity = EvmTelemetry.ActivitySource.StartActivity("rpc batch", ActivityKind.Client);
        activity?.SetTag("rpc.batch_size", requests.Count);
        var label = requests.Count > 0 ? $"batch({requests[0].Method} x{requests.Count})" : "batch()";
        return await SendWithRetriesAsync(label, writer =>
        {
            writer.WriteStartArray();
            foreach (var request in requests)
            {
                WriteRequest(writer, request.Method, request.Parameters);
            }

            writer.WriteEndArray();
        }, root => BatchResults(root, requests, label), cancellationToken).ConfigureAwait(false);
    }

    private IReadOnlyList<JsonElement> BatchResults(JsonElement root, IReadOnlyList<RpcRequest> requests, string label)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            // A node may answer a whole batch with one error object.
            return [ResultOf(root, label)];
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

        return ordered.Select((response, i) => ResultOf(response, requests[i].Method)).ToArray();
    }

    /// <summary>One attempt = send, parse and interpret, so a rate-limit error in the body is retried like an HTTP 429.</summary>
    private async Task<T> SendWithRetriesAsync<T>(string method, Action<Utf8JsonWriter> writeBody, Func<JsonElement, T> interpret, CancellationToken cancellationToken) =>
        await _pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                var (self, method, writeBody, interpret) = state;
                using var document = await self.SendOnceAsync(method, writeBody, token).ConfigureAwait(false);
                return interpret(document.RootElement);
            },
            (this, method, writeBody, interpret),
            cancellationToken).ConfigureAwait(false);

    private async ValueTask<JsonDocument> SendOnceAsync(string method, Action<Utf8JsonWriter> writeBody, CancellationToken cancellationToken)
    {
        EvmTelemetry.RpcRequests.Add(1);
        using var body = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(body))
        {
            writeBody(writer);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(body.ToArray()),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            LogTransportFailure(_logger, method, e.Message);
            throw new RpcTransportException($"{method}: {e.Message}", null, e) { Method = method };
        }

        using (response)
        {
            byte[] content;
            try
            {
                content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new RpcTransportException($"{method}: reading the response failed: {e.Message}", null, e) { Method = method };
            }

            if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                LogHttpStatus(_logger, method, (int)response.StatusCode);
                throw new RpcTransportException($"{method}: HTTP {(int)response.StatusCode}", response.StatusCode) { Method = method };
            }

            try
            {
                return JsonDocument.Parse(content);
            }
            catch (JsonException e)
            {
                // A truncated body is a transport fault; a well-formed non-JSON 4xx is a configuration error.
                throw new RpcTransportException($"{method}: HTTP {(int)response.StatusCode} with a body that is not JSON", response.IsSuccessStatusCode ? null : response.StatusCode, e) { Method = method };
            }
        }
    }

    private void WriteRequest(Utf8JsonWriter writer, string method, IReadOnlyList<object?> parameters)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteNumber("id", Interlocked.Increment(ref _nextId));
        writer.WriteString("method", method);
        writer.WritePropertyName("params");
        WriteValue(writer, parameters);
        writer.WriteEndObject();
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

    private JsonElement ResultOf(JsonElement response, string method)
    {
        if (response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            throw ToException(error, method);
        }

        if (!response.TryGetProperty("result", out var result))
        {
            throw new RpcTransportException($"{method}: the response has neither result nor error.", null) { Method = method };
        }

        return result.Clone();
    }

    private JsonRpcException ToException(JsonElement error, string method)
    {
        var code = error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt32() : 0;
        var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? string.Empty : string.Empty;
        string? dataText = null;
        string? revertHex = null;
        if (error.TryGetProperty("data", out var data))
        {
            dataText = data.GetRawText();
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

        return new JsonRpcException(code, message, dataText) { Method = method };
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

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "JSON-RPC {Method} transport failure: {Reason}")]
    private static partial void LogTransportFailure(ILogger logger, string method, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "JSON-RPC {Method} answered HTTP {StatusCode}")]
    private static partial void LogHttpStatus(ILogger logger, string method, int statusCode);
}
