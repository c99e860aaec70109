using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Chains.Rpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>
/// The Solana JSON-RPC methods over the shared <see cref="JsonRpcTransport"/> (one <see cref="HttpClient"/>, the
/// cluster's retry and circuit-breaker pipeline); besides transport faults and 408/429/5xx it retries a node that is
/// unhealthy or behind (<see cref="RpcErrorCodes.IsTransient"/>). A retried <c>sendTransaction</c> re-posts the same signed bytes (same
/// signature, same blockhash), which the cluster deduplicates; it never re-signs: that is the submitter's job.
/// </summary>
public sealed class SolanaRpcClient : ISolanaRpc
{
    private readonly JsonRpcTransport _transport;

    /// <summary>A client of <paramref name="url"/> (<c>Rpc:Url</c> when null; one of <c>Rpc:Urls</c> for a quorum) with the options' retry pipeline.</summary>
    public SolanaRpcClient(HttpClient httpClient, SolanaClusterOptions options, ILogger<SolanaRpcClient>? logger = null, TimeProvider? timeProvider = null, Uri? url = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = url is null ? RpcEndpoint.Of(options) : new RpcEndpoint(url, options.Kind, options.Chain);
        var log = (ILogger?)logger ?? NullLogger.Instance;
        var time = timeProvider ?? TimeProvider.System;
        _transport = new JsonRpcTransport(httpClient, endpoint, RpcPipeline.Create(options.Rpc, endpoint, RpcErrorCodes.IsTransient, time, log), log, time, ToException);
    }

    public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getLatestBlockhash", w => Config(w, commitment), r =>
        {
            var value = r.GetProperty("value");
            return new LatestBlockhash(
                Base58.DecodeKey(value.GetProperty("blockhash").GetString()!),
                value.GetProperty("lastValidBlockHeight").GetUInt64(),
                r.GetProperty("context").GetProperty("slot").GetUInt64());
        }, cancellationToken);

    public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getBlockHeight", w => Config(w, commitment), r => r.GetUInt64(), cancellationToken);

    public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getSlot", w => Config(w, commitment), r => r.GetUInt64(), cancellationToken);

    public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wireTransaction);
        ArgumentNullException.ThrowIfNull(options);
        var base64 = Convert.ToBase64String(wireTransaction);
        return CallAsync("sendTransaction", w =>
        {
            w.WriteStringValue(base64);
            w.WriteStartObject();
            w.WriteString("encoding", "base64");
            w.WriteBoolean("skipPreflight", options.SkipPreflight);
            w.WriteString("preflightCommitment", CommitmentName(options.PreflightCommitment));
            w.WriteNumber("maxRetries", 0);
            w.WriteEndObject();
        }, r => r.GetString()!, cancellationToken);
    }

    public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wireTransaction);
        var base64 = Convert.ToBase64String(wireTransaction);
        return CallAsync("simulateTransaction", w =>
        {
            w.WriteStringValue(base64);
            w.WriteStartObject();
            w.WriteString("encoding", "base64");
            w.WriteString("commitment", CommitmentName(commitment));
            w.WriteBoolean("sigVerify", false);
            w.WriteBoolean("replaceRecentBlockhash", true);
            w.WriteEndObject();
        }, r =>
        {
            var value = r.GetProperty("value");
            var error = value.TryGetProperty("err", out var err) && err.ValueKind != JsonValueKind.Null ? TransactionError.Parse(err) : null;
            IReadOnlyList<string> logs = value.TryGetProperty("logs", out var l) && l.ValueKind == JsonValueKind.Array ? [.. l.EnumerateArray().Select(x => x.GetString() ?? "")] : [];
            ulong? units = value.TryGetProperty("unitsConsumed", out var u) && u.ValueKind == JsonValueKind.Number ? u.GetUInt64() : null;
            return new SimulationResult(error, logs, units);
        }, cancellationToken);
    }

    public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writableAccounts);
        return CallAsync<IReadOnlyList<PrioritizationFee>>("getRecentPrioritizationFees", w =>
        {
            w.WriteStartArray();
            foreach (var a in writableAccounts)
            {
                w.WriteStringValue(Base58.EncodeKey(a));
            }

            w.WriteEndArray();
        }, r => [.. r.EnumerateArray().Select(e => new PrioritizationFee(e.GetProperty("slot").GetUInt64(), e.GetProperty("prioritizationFee").GetUInt64()))], cancellationToken);
    }

    public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signatures);
        return CallAsync<IReadOnlyList<SignatureStatus?>>("getSignatureStatuses", w =>
        {
            w.WriteStartArray();
            foreach (var s in signatures)
            {
                w.WriteStringValue(s);
            }

            w.WriteEndArray();
            w.WriteStartObject();
            w.WriteBoolean("searchTransactionHistory", true);
            w.WriteEndObject();
        }, r => [.. r.GetProperty("value").EnumerateArray().Select(ParseStatus)], cancellationToken);
    }

    public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        return CallAsync<IReadOnlyList<SignatureInfo>>("getSignaturesForAddress", w =>
        {
            w.WriteStringValue(Base58.EncodeKey(address));
            w.WriteStartObject();
            w.WriteString("commitment", CommitmentName(commitment));
            w.WriteNumber("limit", page.Limit);
            if (page.Before is not null)
            {
                w.WriteString("before", page.Before);
            }

            if (page.Until is not null)
            {
                w.WriteString("until", page.Until);
            }

            if (page.MinContextSlot is { } minContextSlot)
            {
                w.WriteNumber("minContextSlot", minContextSlot);
            }

            w.WriteEndObject();
        }, r => [.. r.EnumerateArray().Select(e => new SignatureInfo(
            e.GetProperty("signature").GetString()!,
            e.GetProperty("slot").GetUInt64(),
            e.TryGetProperty("err", out var err) && err.ValueKind != JsonValueKind.Null,
            e.TryGetProperty("blockTime", out var bt) && bt.ValueKind == JsonValueKind.Number ? bt.GetInt64() : null))], cancellationToken);
    }

    public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getTransaction", w =>
        {
            w.WriteStringValue(signature);
            w.WriteStartObject();
            w.WriteString("commitment", CommitmentName(commitment));
            w.WriteString("encoding", "base64");
            w.WriteNumber("maxSupportedTransactionVersion", 0);
            w.WriteEndObject();
        }, r =>
        {
            if (r.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            var meta = r.GetProperty("meta");
            var logs = meta.TryGetProperty("logMessages", out var lm) && lm.ValueKind == JsonValueKind.Array
                ? lm.EnumerateArray().Select(l => l.GetString() ?? "").ToArray()
                : [];
            var (contents, contentsError) = DecodeContents(r, meta);
            return new TransactionDetails(
                signature,
                r.GetProperty("slot").GetUInt64(),
                r.TryGetProperty("blockTime", out var bt) && bt.ValueKind == JsonValueKind.Number ? bt.GetInt64() : null,
                meta.TryGetProperty("err", out var err) && err.ValueKind != JsonValueKind.Null ? TransactionError.Parse(err) : null,
                logs)
            {
                Contents = contents,
                ContentsError = contentsError,
            };
        }, cancellationToken);

    /// <summary>
    /// The base64 wire transaction of a <c>getTransaction</c> answer decoded, its lookup-table keys from
    /// <c>meta.loadedAddresses</c>, its inner instructions from <c>meta.innerInstructions</c> (data in base58). Bytes
    /// that do not decode give no contents and the reason, rather than an exception: a reader that only needs the
    /// logs (the watcher) must not stall on them.
    /// </summary>
    private static (TransactionContents? Contents, string? Error) DecodeContents(JsonElement result, JsonElement meta)
    {
        if (!result.TryGetProperty("transaction", out var wire) || wire.ValueKind != JsonValueKind.Array || wire.GetArrayLength() == 0)
        {
            return (null, "getTransaction returned no base64 transaction");
        }

        try
        {
            var message = Transaction.Deserialize(Convert.FromBase64String(wire[0].GetString() ?? string.Empty)).Message;
            var keys = message.StaticAccountKeys.ToList();
            if (meta.TryGetProperty("loadedAddresses", out var loaded) && loaded.ValueKind == JsonValueKind.Object)
            {
                keys.AddRange(loaded.GetProperty("writable").EnumerateArray().Select(k => Base58.DecodeKey(k.GetString()!)));
                keys.AddRange(loaded.GetProperty("readonly").EnumerateArray().Select(k => Base58.DecodeKey(k.GetString()!)));
            }

            Dictionary<int, IReadOnlyList<CompiledInstruction>>? inner = null;
            if (meta.TryGetProperty("innerInstructions", out var innerList) && innerList.ValueKind == JsonValueKind.Array)
            {
                inner = innerList.EnumerateArray().ToDictionary(
                    group => group.GetProperty("index").GetInt32(),
                    group => (IReadOnlyList<CompiledInstruction>)[.. group.GetProperty("instructions").EnumerateArray().Select(ix => new CompiledInstruction(
                        ix.GetProperty("programIdIndex").GetByte(),
                        [.. ix.GetProperty("accounts").EnumerateArray().Select(a => a.GetByte())],
                        Base58.Decode(ix.GetProperty("data").GetString()!)))]);
            }

            return (new TransactionContents(message, keys, inner), null);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return (null, $"the transaction does not decode: {e.Message}");
        }
    }

    public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getAccountInfo", w =>
        {
            w.WriteStringValue(Base58.EncodeKey(address));
            AccountConfig(w, commitment);
        }, r => ParseAccount(r.GetProperty("value")), cancellationToken);

    public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) =>
        CallAsync("getAccountInfo", w =>
        {
            w.WriteStringValue(Base58.EncodeKey(address));
            AccountConfig(w, commitment, minContextSlot);
        }, r => new AccountAtSlot(ParseAccount(r.GetProperty("value")), r.GetProperty("context").GetProperty("slot").GetUInt64()), cancellationToken);

    public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        return CallAsync<IReadOnlyList<AccountInfo?>>("getMultipleAccounts", w =>
        {
            w.WriteStartArray();
            foreach (var a in addresses)
            {
                w.WriteStringValue(Base58.EncodeKey(a));
            }

            w.WriteEndArray();
            AccountConfig(w, commitment);
        }, r => [.. r.GetProperty("value").EnumerateArray().Select(ParseAccount)], cancellationToken);
    }

    public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
        CallAsync("getBalance", w =>
        {
            w.WriteStringValue(Base58.EncodeKey(address));
            Config(w, commitment);
        }, r => r.GetProperty("value").GetUInt64(), cancellationToken);

    public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) =>
        CallAsync("getMinimumBalanceForRentExemption", w => w.WriteNumberValue(dataLength), r => r.GetUInt64(), cancellationToken);

    public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return CallAsync(method, w =>
        {
            foreach (var parameter in parameters)
            {
                JsonSerializer.Serialize(w, parameter);
            }
        }, r => r.Clone(), cancellationToken);
    }

    /// <summary>One JSON-RPC call through the shared transport; <paramref name="read"/> maps the <c>result</c>.</summary>
    internal Task<T> CallAsync<T>(string method, Action<Utf8JsonWriter> writeParams, Func<JsonElement, T> read, CancellationToken cancellationToken) =>
        _transport.CallAsync(method, writeParams, result =>
        {
            try
            {
                return read(result);
            }
            catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or OverflowException)
            {
                // A node that answers with another shape is a bug or a version mismatch, not a transient fault.
                throw new ChainRpcException($"{method}: unexpected response shape: {ex.Message}", ex) { Method = method };
            }
        }, cancellationToken);

    private static JsonRpcException ToException(JsonElement error, string method)
    {
        var code = JsonRpcException.ErrorCode(error);
        if (code == RpcErrorCodes.SendTransactionPreflightFailure && error.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
            && data.TryGetProperty("err", out var err) && err.ValueKind != JsonValueKind.Null)
        {
            var logs = data.TryGetProperty("logs", out var l) && l.ValueKind == JsonValueKind.Array
                ? l.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
                : [];
            return new SolanaTransactionException(method, code, TransactionError.Parse(err), logs, null);
        }

        return JsonRpcException.FromErrorObject(error, method);
    }

    private static SignatureStatus? ParseStatus(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        Commitment? status = e.TryGetProperty("confirmationStatus", out var cs) && cs.ValueKind == JsonValueKind.String
            ? cs.GetString() switch
            {
                "processed" => Commitment.Processed,
                "confirmed" => Commitment.Confirmed,
                "finalized" => Commitment.Finalized,
                _ => null,
            }
            : null;
        var err = e.TryGetProperty("err", out var er) && er.ValueKind != JsonValueKind.Null ? TransactionError.Parse(er) : null;
        return new SignatureStatus(e.GetProperty("slot").GetUInt64(), status, err);
    }

    private static AccountInfo? ParseAccount(JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var data = e.GetProperty("data");
        var bytes = data.ValueKind == JsonValueKind.Array ? Convert.FromBase64String(data[0].GetString() ?? "") : [];
        return new AccountInfo(e.GetProperty("lamports").GetUInt64(), Base58.DecodeKey(e.GetProperty("owner").GetString()!), bytes, e.GetProperty("executable").GetBoolean());
    }

    private static void Config(Utf8JsonWriter w, Commitment commitment)
    {
        w.WriteStartObject();
        w.WriteString("commitment", CommitmentName(commitment));
        w.WriteEndObject();
    }

    private static void AccountConfig(Utf8JsonWriter w, Commitment commitment, ulong? minContextSlot = null)
    {
        w.WriteStartObject();
        w.WriteString("commitment", CommitmentName(commitment));
        w.WriteString("encoding", "base64");
        if (minContextSlot is { } slot)
        {
            w.WriteNumber("minContextSlot", slot);
        }

        w.WriteEndObject();
    }

    internal static string CommitmentName(Commitment commitment) => commitment switch
    {
        Commitment.Processed => "processed",
        Commitment.Confirmed => "confirmed",
        _ => "finalized",
    };
}
