using System.Diagnostics.Metrics;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Adapters.Evm.Tests.Watching;

public class EscrowWatcherReconciliationTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task PollOnce_ScanDropsLogs_RecoversEachMissingIntentOnceWithTheEventsFields()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 12; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n, amount: 1_000 + n));
        }

        var reference = await CatchUpAsync(Watcher(chain, new InMemoryCheckpointStore()));
        chain.DropLog = (filter, log) => filter.Topic1 is null && Nonce(log) % 4 == 1;
        long recoveredMetric = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChainTelemetry.MeterName && instrument.Name == "discreteexec.chain.watcher.intents_recovered")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "chain.id" && Equals(tag.Value, FakeChain.Chain.Value))
                {
                    Interlocked.Add(ref recoveredMetric, value);
                }
            }
        });
        listener.Start();
        var sink = await CatchUpAsync(Watcher(chain, new InMemoryCheckpointStore()));

        // Other tests may run in parallel on the same chain id: at least this watcher's three recoveries were counted.
        Assert.True(Interlocked.Read(ref recoveredMetric) >= 3, $"evm.watcher.intents_recovered counted {recoveredMetric}");

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce).Order());
        foreach (var observed in sink.Observed)
        {
            var expected = Assert.Single(reference.Observed, r => r.Intent.IntentId == observed.Intent.IntentId);
            Assert.Equal(expected.Intent, observed.Intent);
            Assert.Equal(expected.Position, observed.Position);
            if (observed.Intent.DepositNonce % 4 == 1)
            {
                Assert.Contains($"nonce {observed.Intent.DepositNonce} ", observed.RecoveredBecause, StringComparison.Ordinal);
            }
            else
            {
                Assert.Null(observed.RecoveredBecause);
            }
        }
    }

    [Fact]
    public async Task PollOnce_ProviderCapsLogRanges_RecoveryStillFindsTheDroppedLog()
    {
        // Found in review: recovery asked for the log over [StartBlock, to] in one query, which every provider that
        // caps eth_getLogs ranges refuses, so the gap never closed on exactly the providers that drop logs.
        var chain = new FakeChain { RefuseRangeAbove = 5 };
        for (var n = 0UL; n < 20; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        chain.DropLog = (filter, log) => filter.Topic1 is null && Nonce(log) == 17;
        var store = new InMemoryCheckpointStore();

        var sink = await CatchUpAsync(Watcher(chain, store, configure: o => o.MaxBlockRange = 5));

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce).Order());
        Assert.NotNull(Assert.Single(sink.Observed, o => o.Intent.DepositNonce == 17).RecoveredBecause);
        Assert.Equal(20UL, store.Saved!.NextNonce);
        Assert.Empty(store.Saved.EmittedAbove!);
    }

    [Fact]
    public async Task PollOnce_LogDeliveredAfterItsNonceWasEmitted_IsNotEmittedAgain()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 3; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        // Nonce 2 was recovered before the node delivered its log.
        var store = new InMemoryCheckpointStore();
        await store.SaveAsync(new WatcherCheckpoint(1, [], NextNonce: 0, EmittedAbove: [2]), CancellationToken.None);
        var sink = await CatchUpAsync(Watcher(chain, store));

        Assert.Equal([0UL, 1UL], sink.Observed.Select(o => o.Intent.DepositNonce));
        Assert.Equal(3UL, store.Saved!.NextNonce);
        Assert.Empty(store.Saved.EmittedAbove!);
    }

    [Fact]
    public async Task PollOnce_RecoveryRefused_KeepsTheGapAcrossRestartAndClosesItOnTheTimer()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 4; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        // The node loses nonce 1's log for every query, targeted ones too: the recovery cannot be checked and is refused.
        chain.DropLog = (_, log) => Nonce(log) == 1;
        var store = new InMemoryCheckpointStore();
        var time = new FakeTimeProvider();
        var first = await CatchUpAsync(Watcher(chain, store, time));
        Assert.Equal([0UL, 2UL, 3UL], first.Observed.Select(o => o.Intent.DepositNonce));
        Assert.Equal(1UL, store.Saved!.NextNonce);
        Assert.Equal([2UL, 3UL], store.Saved.EmittedAbove);

        // Restart in the gap: the start-up reconciliation retries it (still refused), the timer is not yet due.
        var watcher = Watcher(chain, store, time);
        var second = await CatchUpAsync(watcher);
        chain.DropLog = (_, _) => false;
        await CatchUpAsync(watcher, second);
        Assert.Empty(second.Observed);

        time.Advance(Interval);
        await CatchUpAsync(watcher, second);

        var recovered = Assert.Single(second.Observed);
        Assert.Equal(1UL, recovered.Intent.DepositNonce);
        Assert.NotNull(recovered.RecoveredBecause);
        Assert.Contains("timer", recovered.RecoveredBecause, StringComparison.Ordinal);
        Assert.Equal(4UL, store.Saved.NextNonce);

        // Another restart: every nonce is emitted, nothing comes again.
        Assert.Empty((await CatchUpAsync(Watcher(chain, store, time))).Observed);
    }

    [Fact]
    public async Task PollOnce_FreshWatcherAfterStartBlock_ExpectsOnlyDepositsFromThere()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 4; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        var sink = await CatchUpAsync(Watcher(chain, new InMemoryCheckpointStore(), configure: o => o.StartBlock = 3));

        Assert.Equal([2UL, 3UL], sink.Observed.Select(o => o.Intent.DepositNonce));
        Assert.All(sink.Observed, o => Assert.Null(o.RecoveredBecause));
    }

    [Fact]
    public async Task PollOnce_NodeWithoutOldState_DefersReconciliationToARecentBlockAndStillRecovers()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 12; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        chain.StateUnavailableBelow = 10;
        chain.DropLog = (filter, log) => filter.Topic1 is null && Nonce(log) == 2;
        var store = new InMemoryCheckpointStore();
        var sink = await CatchUpAsync(Watcher(chain, store));

        Assert.Equal(Enumerable.Range(0, 12).Select(i => (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce).Order());
        Assert.NotNull(Assert.Single(sink.Observed, o => o.Intent.DepositNonce == 2).RecoveredBecause);
        Assert.Equal(12UL, store.Saved!.NextNonce);
    }

    [Fact]
    public async Task PollOnce_LaggingNodeAtFirstStart_RetriesInsteadOfAssumingNoDeposits()
    {
        // Found in review: any JSON-RPC error at first start was read as "no old state" and the counter assumed 0, so
        // every earlier deposit counted as missing. Only a missing-state answer may do that; "header not found" is a
        // lagging node and the poll must fail and be retried.
        var chain = new FakeChain();
        for (var n = 0UL; n < 6; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        chain.StateUnavailableBelow = 10;
        chain.StateErrorMessage = "header not found";
        var store = new InMemoryCheckpointStore();
        var watcher = Watcher(chain, store, configure: o => o.StartBlock = 4);

        var error = await Assert.ThrowsAsync<JsonRpcException>(() => watcher.PollOnceAsync(new CollectingSink(), CancellationToken.None));

        Assert.Equal("header not found", error.RpcMessage);
        Assert.Null(store.Saved);
    }

    private static ulong Nonce(EvmLog log) => new IntentOpenedDecoder(FakeChain.Chain, FakeChain.Escrow).Decode(log.Topics, log.Data).DepositNonce;

    private static EscrowWatcher Watcher(FakeChain chain, ICheckpointStore<WatcherCheckpoint> store, TimeProvider? time = null, Action<EvmChainOptions>? configure = null)
    {
        var options = new EvmChainOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/") },
            ChainId = FakeChain.Chain.Value,
            EscrowAddress = FakeChain.Escrow.ToString(),
            ConfirmationDepth = 0,
            MaxBlockRange = 3,
            ReconcileInterval = Interval,
        };
        configure?.Invoke(options);
        return new EscrowWatcher(chain, options, store, time ?? TimeProvider.System, NullLogger<EscrowWatcher>.Instance);
    }

    private static async Task<CollectingSink> CatchUpAsync(EscrowWatcher watcher, CollectingSink? sink = null)
    {
        sink ??= new CollectingSink();
        for (var i = 0; i < 1000 && await watcher.PollOnceAsync(sink, CancellationToken.None); i++)
        {
        }

        return sink;
    }
}
