using System.Globalization;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>
/// anvil behind a proxy that plays a provider dropping IntentOpened entries from eth_getLogs answers: the watcher
/// must still observe every intent exactly once, by reconciling against the escrow's deposit counter.
/// </summary>
[Trait("Category", "Integration")]
public sealed class GapRecoveryIntegrationTests : IClassFixture<EscrowTestbed>, IDisposable
{
    private static readonly string Topic0 = IntentOpenedDecoder.Topic0.ToString();
    private readonly EscrowTestbed _bed;
    private readonly string _directory = Directory.CreateTempSubdirectory("evm-gap-").FullName;
    private int _dropped;

    public GapRecoveryIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Watcher_ProviderDropsIntentOpenedLogs_ObservesEveryIntentExactlyOnceAndRecoversTheDropped()
    {
        var users = Enumerable.Range(0, 4).Select(i => EscrowTestbed.Key($"gap-user-{i}")).ToArray();
        await _bed.FundAsync(users);
        var first = await CounterAsync();
        var startBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        for (var k = 0UL; k < 3; k++)
        {
            foreach (var (user, i) in users.Select((u, i) => (u, (ulong)i)))
            {
                await _bed.OpenIntentAsync(user, 2_000_000 + (i * 100) + k, 70_000 + (i * 10) + k);
            }
        }

        await _bed.MineAsync(2);
        const int Count = 12;
        bool Dropped(ulong nonce) => (nonce - first) % 3 == 1;

        await using var proxy = new FaultInjectingProxy(_bed.Anvil.Url, seed: 15, faultRate: 0, slowDelay: TimeSpan.Zero);
        proxy.RewriteResponse = DropIntentOpened((nonce, targeted) => !targeted && Dropped(nonce));
        var options = Options(proxy.Url, startBlock);
        var sink = await CatchUpAsync(NewWatcher(_bed.CreateClient(proxy.Url, new ChainRpcOptions { MaxRetryAttempts = 0 }), options, new InMemoryCheckpointStore()));
        var reference = await CatchUpAsync(NewWatcher(_bed.Rpc, options, new InMemoryCheckpointStore()));

        Assert.Equal(Count / 3, Volatile.Read(ref _dropped));
        Assert.Equal(Enumerable.Range(0, Count).Select(i => first + (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce).Order());
        Assert.Equal(Count, reference.Observed.Count);
        Assert.All(reference.Observed, o => Assert.Null(o.RecoveredBecause));
        foreach (var observed in sink.Observed)
        {
            // Same Intent record and position as the event itself: the clearing cannot tell them apart.
            var expected = Assert.Single(reference.Observed, r => r.Intent.IntentId == observed.Intent.IntentId);
            Assert.Equal(expected.Intent, observed.Intent);
            Assert.Equal(expected.Position, observed.Position);
            if (Dropped(observed.Intent.DepositNonce))
            {
                Assert.NotNull(observed.RecoveredBecause);
                Assert.Contains($"nonce {observed.Intent.DepositNonce} ", observed.RecoveredBecause, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(observed.RecoveredBecause);
            }
        }
    }

    [Fact]
    public async Task Watcher_RestartInTheMiddleOfAGap_EmitsNothingTwiceAndSkipsNothing()
    {
        var alice = EscrowTestbed.Key("gap-restart-alice");
        await _bed.FundAsync(alice);
        var first = await CounterAsync();
        var startBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        for (var k = 0UL; k < 3; k++)
        {
            await _bed.OpenIntentAsync(alice, 3_000_000 + k, 80_000 + k);
        }

        await _bed.MineAsync(2);
        await using var proxy = new FaultInjectingProxy(_bed.Anvil.Url, seed: 16, faultRate: 0, slowDelay: TimeSpan.Zero);
        var rpc = _bed.CreateClient(proxy.Url, new ChainRpcOptions { MaxRetryAttempts = 0 });
        var options = Options(proxy.Url, startBlock);
        var checkpoint = new JsonFileCheckpointStore<WatcherCheckpoint>(Path.Combine(_directory, "restart.json"));

        // The node loses nonce first+1 for every query, targeted too: its recovery is refused and the gap stays open.
        proxy.RewriteResponse = DropIntentOpened((nonce, _) => nonce == first + 1);
        var before = await CatchUpAsync(NewWatcher(rpc, options, checkpoint));
        Assert.Equal([first, first + 2], before.Observed.Select(o => o.Intent.DepositNonce));
        var saved = await checkpoint.LoadAsync(CancellationToken.None);
        Assert.Equal(first + 1, saved!.NextNonce);
        Assert.Equal([first + 2], saved.EmittedAbove);

        // While stopped: two more deposits; the node now drops first+1 and first+3 from scans only.
        await _bed.OpenIntentAsync(alice, 3_000_003, 80_003);
        await _bed.OpenIntentAsync(alice, 3_000_004, 80_004);
        await _bed.MineAsync(2);
        proxy.RewriteResponse = DropIntentOpened((nonce, targeted) => !targeted && (nonce == first + 1 || nonce == first + 3));
        var after = await CatchUpAsync(NewWatcher(rpc, options, checkpoint));

        Assert.Equal([first + 1, first + 3, first + 4], after.Observed.Select(o => o.Intent.DepositNonce).Order());
        Assert.All(after.Observed.Where(o => o.Intent.DepositNonce != first + 4), o => Assert.NotNull(o.RecoveredBecause));
        var all = before.Observed.Concat(after.Observed).Select(o => o.Intent.DepositNonce).ToArray();
        Assert.Equal(Enumerable.Range(0, 5).Select(i => first + (ulong)i), all.Order());
        Assert.Equal(first + 5, (await checkpoint.LoadAsync(CancellationToken.None))!.NextNonce);

        // And once more: nothing left to emit.
        Assert.Empty((await CatchUpAsync(NewWatcher(rpc, options, checkpoint))).Observed);
    }

    /// <summary>Removes the IntentOpened entries whose nonce matches from eth_getLogs answers; "targeted" = the query filtered by intent id.</summary>
    private Func<byte[], byte[], byte[]> DropIntentOpened(Func<ulong, bool, bool> drop) => (request, response) =>
    {
        if (JsonNode.Parse(request) is not JsonObject call || (string?)call["method"] != "eth_getLogs")
        {
            return response;
        }

        var targeted = call["params"]![0]!["topics"] is JsonArray { Count: > 1 } topics && topics[1] is not null;
        var answer = JsonNode.Parse(response)!.AsObject();
        if (answer["result"] is not JsonArray logs)
        {
            return response;
        }

        foreach (var log in logs.ToArray())
        {
            var data = (string)log!["data"]!;
            if (string.Equals((string?)log["topics"]![0], Topic0, StringComparison.OrdinalIgnoreCase)
                && drop(ulong.Parse(data.AsSpan(2 + 48, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture), targeted))
            {
                logs.Remove(log);
                Interlocked.Increment(ref _dropped);
            }
        }

        return System.Text.Encoding.UTF8.GetBytes(answer.ToJsonString());
    };

    private async Task<ulong> CounterAsync() =>
        IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;

    private EvmChainOptions Options(Uri url, ulong startBlock)
    {
        var options = _bed.Options(url, confirmationDepth: 1);
        options.StartBlock = (long)startBlock;
        options.MaxBlockRange = 5;
        return options;
    }

    private static EscrowWatcher NewWatcher(IEvmRpc rpc, EvmChainOptions options, ICheckpointStore<WatcherCheckpoint> store) =>
        new(rpc, options, store, TimeProvider.System, NullLogger<EscrowWatcher>.Instance);

    private static async Task<CollectingSink> CatchUpAsync(EscrowWatcher watcher)
    {
        var sink = new CollectingSink();
        for (var i = 0; i < 1000 && await watcher.PollOnceAsync(sink, CancellationToken.None); i++)
        {
        }

        return sink;
    }
}
