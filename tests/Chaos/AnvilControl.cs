using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DiscreteExec.Chaos;

/// <summary>
/// Plain JSON-RPC to anvil, outside the node's code paths: reorganisations (<c>anvil_reorg</c>) that take the newest
/// blocks out and include their transactions again in new blocks, and a steady block producer so that intents near
/// the head reach the confirmation depth when no other transaction arrives.
/// </summary>
internal sealed class AnvilControl(Uri url) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SemaphoreSlim _mining = new(1, 1);
    private int _id;

    /// <summary>Runs between reading the newest blocks and the reorganisation (tests: another client sends a transaction then).</summary>
    internal Func<CancellationToken, Task>? AfterReadingBlocks { get; init; }

    /// <summary>
    /// Replaces the newest <paramref name="depth"/> blocks with new ones holding the same transactions in the same
    /// order (so every intent keeps its id and its deposit), under new block hashes. Returns how many transactions
    /// were taken out and put back.
    /// </summary>
    /// <remarks>
    /// No block may be mined between reading the newest blocks and the reorganisation: <c>anvil_reorg</c> replaces the
    /// newest blocks at the time it runs, so a block mined in between would be dropped with its transactions, and the
    /// transactions read from a block that then stays would be executed a second time (anvil 1.7.1 does not check the
    /// sender's nonce there): the same signed open twice on the chain, which no real network produces. A campaign
    /// found it (the chain check's OpenedTwice); a script on a bare anvil reproduced it. So automining is off and the
    /// periodic miner holds for the duration; transactions sent meanwhile wait in the pool and are mined after.
    /// </remarks>
    public async Task<int> ReorganiseAsync(int depth, CancellationToken cancellationToken)
    {
        await _mining.WaitAsync(cancellationToken);
        try
        {
            await CallAsync("evm_setAutomine", [false], cancellationToken);
            try
            {
                var head = ParseQuantity(await CallAsync("eth_blockNumber", [], cancellationToken));
                if (head < (ulong)depth)
                {
                    return 0;
                }

                var first = head - (ulong)depth + 1;
                var pairs = new JsonArray();
                for (var number = first; number <= head; number++)
                {
                    var block = await CallAsync("eth_getBlockByNumber", ["0x" + number.ToString("x", CultureInfo.InvariantCulture), false], cancellationToken);
                    foreach (var hash in block!["transactions"]!.AsArray())
                    {
                        var raw = await CallAsync("eth_getRawTransactionByHash", [hash!.GetValue<string>()], cancellationToken);
                        pairs.Add(new JsonArray(raw!.GetValue<string>(), number - first));
                    }
                }

                if (AfterReadingBlocks is { } hook)
                {
                    await hook(cancellationToken);
                }

                await CallAsync("anvil_reorg", [depth, pairs], cancellationToken);
                return pairs.Count;
            }
            finally
            {
                // Mining resumes whatever happened; what was sent meanwhile goes into the next block.
                await CallAsync("evm_setAutomine", [true], CancellationToken.None);
                await CallAsync("evm_mine", [], CancellationToken.None);
            }
        }
        finally
        {
            _mining.Release();
        }
    }

    /// <summary>Mines an empty block every <paramref name="interval"/> until cancelled (held while a reorganisation runs).</summary>
    public async Task MineAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval, TimeProvider.System);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await _mining.WaitAsync(cancellationToken);
            try
            {
                await CallAsync("evm_mine", [], cancellationToken);
            }
            finally
            {
                _mining.Release();
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _mining.Dispose();
    }

    private async Task<JsonNode?> CallAsync(string method, JsonArray parameters, CancellationToken cancellationToken)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _id), ["method"] = method, ["params"] = parameters };
        using var response = await _http.PostAsJsonAsync(url, request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken) ?? throw new InvalidOperationException($"anvil answered {method} with an empty body.");
        if (body["error"] is { } error)
        {
            throw new InvalidOperationException($"anvil refused {method}: {error.ToJsonString()}");
        }

        return body["result"];
    }

    private static ulong ParseQuantity(JsonNode? node) =>
        ulong.Parse(node!.GetValue<string>().AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
}
