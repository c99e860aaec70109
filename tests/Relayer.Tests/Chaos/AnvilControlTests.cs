using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Chaos;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Tests.Chaos;

/// <summary>The campaign's EVM reorganisation on the devnet's anvil, with another client sending while it runs.</summary>
[Trait("Category", "Integration")]
public sealed class AnvilControlTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private EvmDevChain _chain = null!;
    private int _id;

    public async Task InitializeAsync() =>
        _chain = await EvmDevChain.StartAsync(DevnetPrerequisites.Locate(), _http, SolanaDevChain.Chain, TimeProvider.System, CancellationToken.None);

    public async Task DisposeAsync() => await _chain.DisposeAsync();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task Reorganise_AnotherClientSendsBetweenTheReadAndTheReorg_EveryTransactionOnTheChainOnceAndNoneLost()
    {
        var accounts = (await CallAsync("eth_accounts", []))!.AsArray().Select(a => a!.GetValue<string>()).ToArray();
        var kept = await SendAsync(accounts[0]);
        var moved = new[] { await SendAsync(accounts[0]), await SendAsync(accounts[0]) };
        var sentDuring = (string?)null;
        using var anvil = new AnvilControl(_chain.Url)
        {
            // Under automining this transaction is a block of its own at once: the newest two blocks are then no
            // longer the ones read, and anvil_reorg would replace the wrong ones.
            AfterReadingBlocks = async _ => sentDuring = await SendAsync(accounts[1]),
        };

        Assert.Equal(2, await anvil.ReorganiseAsync(2, CancellationToken.None));

        var onChain = await TransactionsOnChainAsync();
        Assert.True(onChain.Distinct().Count() == onChain.Length, "a transaction is on the chain twice: " + string.Join(", ", onChain));
        Assert.Subset(onChain.ToHashSet(), new HashSet<string>([kept, .. moved, sentDuring!]));
    }

    private async Task<string[]> TransactionsOnChainAsync()
    {
        var head = ulong.Parse((await CallAsync("eth_blockNumber", []))!.GetValue<string>().AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var transactions = new List<string>();
        for (var number = 0UL; number <= head; number++)
        {
            var block = await CallAsync("eth_getBlockByNumber", ["0x" + number.ToString("x", CultureInfo.InvariantCulture), false]);
            transactions.AddRange(block!["transactions"]!.AsArray().Select(t => t!.GetValue<string>()));
        }

        return [.. transactions];
    }

    private async Task<string> SendAsync(string from) =>
        (await CallAsync("eth_sendTransaction", [new JsonObject { ["from"] = from, ["to"] = "0x00000000000000000000000000000000000000aa", ["value"] = "0x1" }]))!.GetValue<string>();

    private async Task<JsonNode?> CallAsync(string method, JsonArray parameters)
    {
        var request = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = Interlocked.Increment(ref _id), ["method"] = method, ["params"] = parameters };
        using var response = await _http.PostAsJsonAsync(_chain.Url, request);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        return body["error"] is { } error ? throw new InvalidOperationException($"anvil refused {method}: {error.ToJsonString()}") : body["result"];
    }
}
