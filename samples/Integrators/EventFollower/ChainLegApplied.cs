using System.Buffers.Binary;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Samples.EventFollower;

/// <summary>A <c>LegApplied</c> event as the escrow emitted it on its chain: the chunk of an epoch and the batch root.</summary>
public sealed record ChainLegApplied(ulong EpochId, uint Chunk, Bytes32 ChunkHash, Bytes32 BatchRoot);

/// <summary>Reads the <c>LegApplied</c> events a settlement transaction emitted, from the chain itself.</summary>
public interface ILegAppliedReader
{
    /// <summary>The escrow's LegApplied events in transaction <paramref name="transactionId"/>; empty when it emitted none.</summary>
    Task<IReadOnlyList<ChainLegApplied>> ReadAsync(string transactionId, CancellationToken cancellationToken);
}

/// <summary>Plain JSON-RPC 2.0 over HTTP POST.</summary>
internal static class JsonRpc
{
    public static async Task<JsonNode?> CallAsync(HttpClient http, Uri url, string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters };
        using var response = await http.PostAsJsonAsync(url, request, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"{method} at {url}: an empty answer.");
        if (answer["error"] is { } error)
        {
            throw new InvalidOperationException($"{method} at {url}: {error.ToJsonString()}");
        }

        return answer["result"];
    }
}

/// <summary>
/// EVM: the transaction's receipt (<c>eth_getTransactionReceipt</c>), its logs from the escrow address with topic
/// <c>LegApplied(uint64 indexed epochId, uint32 chunk, bytes32 legHash, bytes32 batchRoot, uint256 actionCount)</c>.
/// </summary>
public sealed class EvmLegAppliedReader(HttpClient http, Uri rpc, string escrowAddress) : ILegAppliedReader
{
    /// <summary>keccak256 of the event's signature: its first topic.</summary>
    public static readonly Bytes32 LegAppliedTopic = Keccak256.Hash(Encoding.ASCII.GetBytes("LegApplied(uint64,uint32,bytes32,bytes32,uint256)"));

    public async Task<IReadOnlyList<ChainLegApplied>> ReadAsync(string transactionId, CancellationToken cancellationToken)
    {
        var receipt = await JsonRpc.CallAsync(http, rpc, "eth_getTransactionReceipt", [transactionId], cancellationToken).ConfigureAwait(false);
        if (receipt is null || (string?)receipt["status"] != "0x1")
        {
            return [];
        }

        var applied = new List<ChainLegApplied>();
        foreach (var log in receipt["logs"]!.AsArray())
        {
            var topics = log!["topics"]!.AsArray();
            if (!string.Equals((string?)log["address"], escrowAddress, StringComparison.OrdinalIgnoreCase) || topics.Count != 2 || Bytes32.Parse((string)topics[0]!) != LegAppliedTopic)
            {
                continue;
            }

            var data = Convert.FromHexString(((string)log["data"]!)[2..]);
            if (data.Length != 4 * 32)
            {
                throw new InvalidOperationException($"LegApplied in {transactionId} has {data.Length} data bytes, not 128.");
            }

            var epoch = Convert.FromHexString(((string)topics[1]!)[2..]);
            applied.Add(new ChainLegApplied(
                BinaryPrimitives.ReadUInt64BigEndian(epoch.AsSpan(24)),
                BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(28, 4)),
                new Bytes32(data.AsSpan(32, 32)),
                new Bytes32(data.AsSpan(64, 32))));
        }

        return applied;
    }
}

/// <summary>
/// Solana: the transaction (<c>getTransaction</c>) and its log lines <c>Program data: &lt;base64&gt;</c> logged by the
/// escrow program itself (not by a program it called). LegApplied is tag 6 then, little-endian: epoch u64, chunk u32,
/// chunk hash [32], batch root [32], action count u32 (81 bytes). A chunk that pays many new recipients logs more than
/// a validator keeps (10 KB; the last line becomes <c>Log truncated</c>), and its LegApplied line is lost: the escrow
/// keeps the same facts in the chunk's receipt account, which that transaction created, so then the accounts the
/// transaction created are read (<c>getMultipleAccounts</c>) and the one owned by the program with the receipt's tag
/// is decoded instead: tag 4 at 0, epoch u64 at 8, chunk u32 at 16, chunk hash at 24, batch root at 56 (96 bytes).
/// </summary>
public sealed class SolanaLegAppliedReader(HttpClient http, Uri rpc, string programId) : ILegAppliedReader
{
    private const byte LegAppliedTag = 6;
    private const int LegAppliedLength = 81;
    private const byte ReceiptTag = 4;
    private const int ReceiptLength = 96;

    public async Task<IReadOnlyList<ChainLegApplied>> ReadAsync(string transactionId, CancellationToken cancellationToken)
    {
        var transaction = await JsonRpc.CallAsync(
            http, rpc, "getTransaction", [transactionId, new JsonObject { ["encoding"] = "json", ["commitment"] = "confirmed", ["maxSupportedTransactionVersion"] = 0 }], cancellationToken).ConfigureAwait(false);
        var meta = transaction?["meta"];
        if (meta is null || meta["err"] is not null)
        {
            return [];
        }

        var applied = new List<ChainLegApplied>();
        var calls = new Stack<string>();
        var logs = meta["logMessages"]!.AsArray().Select(l => (string)l!).ToArray();
        if (logs.Contains("Log truncated"))
        {
            return await ReceiptsCreatedAsync(transaction!, cancellationToken).ConfigureAwait(false);
        }

        foreach (var line in logs)
        {
            // "Program <id> invoke [depth]" ... "Program <id> success|failed": data lines belong to the innermost call.
            var words = line.Split(' ');
            if (words is ["Program", var invoked, "invoke", ..])
            {
                calls.Push(invoked);
            }
            else if (words is ["Program", _, "success" or "failed", ..] && calls.Count > 0)
            {
                calls.Pop();
            }
            else if (words is ["Program", "data:", var base64] && calls.TryPeek(out var caller) && caller == programId)
            {
                var payload = Convert.FromBase64String(base64);
                if (payload.Length == LegAppliedLength && payload[0] == LegAppliedTag)
                {
                    applied.Add(Decode(payload, epochAt: 1, chunkAt: 9, chunkHashAt: 13, rootAt: 45));
                }
            }
        }

        return applied;
    }

    private async Task<IReadOnlyList<ChainLegApplied>> ReceiptsCreatedAsync(JsonNode transaction, CancellationToken cancellationToken)
    {
        // Account order of the balances: the message's own keys, then the lookup tables' writable, then read-only ones.
        var meta = transaction["meta"]!;
        var loaded = meta["loadedAddresses"];
        var keys = transaction["transaction"]!["message"]!["accountKeys"]!.AsArray().Select(k => (string)k!)
            .Concat(loaded?["writable"]?.AsArray().Select(k => (string)k!) ?? [])
            .Concat(loaded?["readonly"]?.AsArray().Select(k => (string)k!) ?? [])
            .ToArray();
        var before = meta["preBalances"]!.AsArray().Select(b => (ulong)b!).ToArray();
        var after = meta["postBalances"]!.AsArray().Select(b => (ulong)b!).ToArray();
        var created = new JsonArray([.. keys.Where((_, i) => i < before.Length && i < after.Length && before[i] == 0 && after[i] > 0).Select(k => (JsonNode)k)]);
        if (created.Count == 0)
        {
            return [];
        }

        var accounts = await JsonRpc.CallAsync(http, rpc, "getMultipleAccounts", [created, new JsonObject { ["encoding"] = "base64", ["commitment"] = "confirmed" }], cancellationToken).ConfigureAwait(false);
        var receipts = new List<ChainLegApplied>();
        foreach (var account in accounts!["value"]!.AsArray())
        {
            if (account is null || (string?)account["owner"] != programId)
            {
                continue;
            }

            var data = Convert.FromBase64String((string)account["data"]![0]!);
            if (data.Length == ReceiptLength && data[0] == ReceiptTag)
            {
                receipts.Add(Decode(data, epochAt: 8, chunkAt: 16, chunkHashAt: 24, rootAt: 56));
            }
        }

        return receipts;
    }

    private static ChainLegApplied Decode(byte[] data, int epochAt, int chunkAt, int chunkHashAt, int rootAt) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(epochAt, 8)),
        BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(chunkAt, 4)),
        new Bytes32(data.AsSpan(chunkHashAt, 32)),
        new Bytes32(data.AsSpan(rootAt, 32)));
}
