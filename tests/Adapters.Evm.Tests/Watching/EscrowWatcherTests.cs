using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Watching;

public class EscrowWatcherTests
{
    [Fact]
    public async Task PollOnce_NodeRefusesLargeRanges_HalvesTheRangeAndReportsEveryIntent()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 40; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        chain.RefuseRangeAbove = 6;
        var watcher = Watcher(chain, new InMemoryCheckpointStore(), o => o.MaxBlockRange = 64);
        var sink = await CatchUpAsync(watcher);

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce));
        Assert.InRange(watcher.CurrentRange, 1, 6);
        Assert.InRange(chain.GetLogsCalls, 7, 16);
    }

    [Fact]
    public async Task PollOnce_BelowConfirmationDepth_ReportsOnlyOnceBuried()
    {
        var chain = new FakeChain();
        chain.Mine(FakeChain.IntentOpened(0));
        var watcher = Watcher(chain, new InMemoryCheckpointStore(), o => o.ConfirmationDepth = 3);
        var sink = await CatchUpAsync(watcher);
        Assert.Empty(sink.Observed);

        chain.Mine();
        chain.Mine();
        await CatchUpAsync(watcher, sink);
        Assert.Empty(sink.Observed);

        chain.Mine();
        await CatchUpAsync(watcher, sink);
        Assert.Single(sink.Observed);
    }

    [Fact]
    public async Task PollOnce_MalformedLogs_SkipsThemAndReportsTheRest()
    {
        var chain = new FakeChain();
        chain.Mine(
            FakeChain.Raw([IntentOpenedDecoder.Topic0, Bytes32.FromUInt64(1)], new byte[224], logIndex: 0),
            FakeChain.Raw([IntentOpenedDecoder.Topic0, Bytes32.FromUInt64(1), Bytes32.FromUInt64(2), Bytes32.FromUInt64(3)], new byte[100], logIndex: 1),
            FakeChain.IntentOpened(0, logIndex: 2));
        var sink = await CatchUpAsync(Watcher(chain, new InMemoryCheckpointStore()));
        Assert.Equal(0UL, Assert.Single(sink.Observed).Intent.DepositNonce);
    }

    [Fact]
    public async Task PollOnce_Reorg_RetractsIntentsOfDroppedBlocksAndReportsTheNewOnes()
    {
        var chain = new FakeChain(3);
        for (var n = 0UL; n < 5; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        var watcher = Watcher(chain, new InMemoryCheckpointStore());
        var sink = await CatchUpAsync(watcher);
        Assert.Equal(5, sink.Observed.Count);

        // Blocks 6 and 7 (nonces 3 and 4) are replaced by a fork carrying nonce 3 only, two blocks later.
        chain.Reorg(6);
        chain.Mine();
        chain.Mine();
        chain.Mine(FakeChain.IntentOpened(3, amount: 5));
        await CatchUpAsync(watcher, sink);

        Assert.Equal(
            sink.Observed.Where(o => o.Intent.DepositNonce >= 3).Take(2).Select(o => o.Intent.IntentId).Order(),
            sink.Retracted.Select(r => r.IntentId).Order());
        var last = sink.Observed[^1].Intent;
        Assert.Equal(3UL, last.DepositNonce);
        Assert.Equal((UInt256)5, last.InputAmount);
        Assert.Equal(6, sink.Observed.Count);

        // Every report numbered, each later than all delivered before it (retractions first within a batch), so the
        // intake can tell a stale one consumed late.
        var reports = sink.Batches.SelectMany(b => b.Retracted.Select(r => r.ReportSequence).Concat(b.Observed.Select(o => o.ReportSequence))).ToArray();
        Assert.All(reports, r => Assert.NotNull(r));
        Assert.Equal(reports.Order(), reports);
        Assert.Equal(reports.Length, reports.Distinct().Count());
    }

    [Fact]
    public async Task PollOnce_AfterARestartOrALostCheckpoint_NumbersItsReportsAfterEverythingSentBefore()
    {
        var chain = new FakeChain(3);
        chain.Mine(FakeChain.IntentOpened(0));
        var store = new InMemoryCheckpointStore();
        var before = await CatchUpAsync(Watcher(chain, store));
        chain.Mine(FakeChain.IntentOpened(1));

        var restarted = await CatchUpAsync(Watcher(chain, store));
        var lost = await CatchUpAsync(Watcher(chain, new InMemoryCheckpointStore()));

        var first = Assert.Single(before.Observed).ReportSequence;
        Assert.True(Assert.Single(restarted.Observed).ReportSequence > first);
        Assert.All(lost.Observed, o => Assert.True(o.ReportSequence > restarted.Observed[0].ReportSequence));
    }

    [Fact]
    public async Task PollOnce_CrashAfterTheSinkAcceptedBeforeTheCheckpointWasSaved_TheReplayIsNumberedAfterIt()
    {
        // The replay after such a crash may differ from what was delivered (the chain reorganised meanwhile): a
        // reused number would make the intake take it for a redelivery and drop it.
        var chain = new FakeChain(3);
        chain.Mine(FakeChain.IntentOpened(0));
        var store = new InMemoryCheckpointStore();
        var delivered = new CollectingSink();
        var crashing = new CrashAfterAcceptSink(delivered);
        var watcher = Watcher(chain, store);
        await Assert.ThrowsAsync<ProcessKilledException>(async () =>
        {
            while (await watcher.PollOnceAsync(crashing, CancellationToken.None))
            {
            }
        });

        var replay = await CatchUpAsync(Watcher(chain, store));

        var before = Assert.Single(delivered.Observed).ReportSequence;
        Assert.True(Assert.Single(replay.Observed).ReportSequence > before, $"replayed as {replay.Observed[0].ReportSequence}, delivered as {before}");
    }

    [Fact]
    public async Task PollOnce_ReorgDeeperThanConfirmationDepth_RetractsThenStopsIntakeLoudlyAcrossRestarts()
    {
        var chain = new FakeChain();
        for (var n = 0UL; n < 6; n++)
        {
            chain.Mine(FakeChain.IntentOpened(n));
        }

        var store = new InMemoryCheckpointStore();
        var watcher = Watcher(chain, store, o => o.ConfirmationDepth = 2);
        var sink = await CatchUpAsync(watcher);
        Assert.Equal(4, sink.Observed.Count); // blocks 1-4 are 2 deep and final; 5 and 6 are not yet
        var finalBlock4 = (await chain.GetBlockAsync(BlockTag.Number(4), CancellationToken.None))!.Hash;

        // Blocks 4 onwards replaced: block 4 had been treated as final.
        chain.Reorg(4);
        for (var i = 0; i < 5; i++)
        {
            chain.Mine(FakeChain.IntentOpened(10 + (ulong)i));
        }

        await CatchUpAsync(watcher, sink);
        var newBlock4 = (await chain.GetBlockAsync(BlockTag.Number(4), CancellationToken.None))!.Hash;

        var retraction = Assert.Single(sink.Retracted);
        Assert.Equal((sink.Observed[3].Intent.IntentId, sink.Observed[3].Position.BlockHash), (retraction.IntentId, retraction.BlockHash));
        Assert.Equal(4, sink.Observed.Count); // nothing of the new fork accepted: intake stopped
        var reason = watcher.FinalityBreach.Reason;
        Assert.NotNull(reason);
        Assert.Contains($"chain {FakeChain.Chain.Value}: block 4 was {finalBlock4}", reason, StringComparison.Ordinal);
        Assert.Contains($"is now {newBlock4}", reason, StringComparison.Ordinal);

        // A restart reads the stop from the checkpoint: still nothing read, still reported.
        chain.Mine(FakeChain.IntentOpened(20));
        var restarted = Watcher(chain, store, o => o.ConfirmationDepth = 2);
        var after = await CatchUpAsync(restarted);
        Assert.Empty(after.Observed);
        Assert.Equal(reason, restarted.FinalityBreach.Reason);
    }

    [Fact]
    public async Task PollOnce_RestartFromCheckpoint_NeverReportsAnIntentTwice()
    {
        var chain = new FakeChain();
        chain.Mine(FakeChain.IntentOpened(0));
        chain.Mine(FakeChain.IntentOpened(1));
        var store = new InMemoryCheckpointStore();
        var first = await CatchUpAsync(Watcher(chain, store));

        chain.Mine(FakeChain.IntentOpened(2));
        var second = await CatchUpAsync(Watcher(chain, store));

        Assert.Equal([0UL, 1UL], first.Observed.Select(o => o.Intent.DepositNonce));
        Assert.Equal([2UL], second.Observed.Select(o => o.Intent.DepositNonce));
    }

    [Fact]
    public async Task PollOnce_ReorgWhileStopped_IsDetectedFromTheCheckpointAfterRestart()
    {
        var chain = new FakeChain();
        chain.Mine(FakeChain.IntentOpened(0));
        chain.Mine(FakeChain.IntentOpened(1));
        var store = new InMemoryCheckpointStore();
        await CatchUpAsync(Watcher(chain, store));

        chain.Reorg(2);
        chain.Mine();
        chain.Mine();
        var after = await CatchUpAsync(Watcher(chain, store));
        Assert.Single(after.Retracted);
        Assert.Empty(after.Observed);
    }

    [Fact]
    public async Task PollOnce_SinkFailsOnRetractions_RetractsAgainOnTheNextStep()
    {
        var chain = new FakeChain();
        chain.Mine(FakeChain.IntentOpened(0));
        var store = new InMemoryCheckpointStore();
        var watcher = Watcher(chain, store);
        await CatchUpAsync(watcher);
        chain.Reorg(1);
        chain.Mine();

        await Assert.ThrowsAsync<InvalidOperationException>(() => watcher.PollOnceAsync(new FailingSink(), CancellationToken.None));
        var sink = await CatchUpAsync(watcher);
        Assert.Single(sink.Retracted);
    }

    [Fact]
    public async Task RunAsync_NodeUnreachableAtStart_KeepsTryingAndThenReports()
    {
        var chain = new FakeChain { UnreachableChainIdCalls = 3 };
        chain.Mine(FakeChain.IntentOpened(0));
        var time = new SignallingTimeProvider();
        var watcher = Watcher(chain, new InMemoryCheckpointStore(), o => o.PollInterval = TimeSpan.FromSeconds(1), time);
        var sink = new CollectingSink();
        using var cancellation = new CancellationTokenSource();

        var run = watcher.RunAsync(sink, cancellation.Token);
        var waits = 0;
        while (true)
        {
            // Each wait on the fake clock means a pass ended (failed, or read the chain): the sink is settled.
            await time.NextDelayAsync();
            if (sink.Observed.Count > 0)
            {
                break;
            }

            Assert.True(++waits <= 5, "no intent reported after 5 polls");
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(waits >= 3, $"reported after {waits} waits although the node was unreachable for 3 calls");
        Assert.False(run.IsCompleted, run.Exception?.GetBaseException().Message ?? "the watcher loop ended");
        Assert.Single(sink.Observed);
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RunAsync_NodeServesAnotherChain_StopsWithTheMismatch()
    {
        var chain = new FakeChain();
        var watcher = Watcher(chain, new InMemoryCheckpointStore(), o => o.ChainId = 1);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => watcher.RunAsync(new CollectingSink(), CancellationToken.None));
        Assert.Contains("ChainId", error.Message, StringComparison.Ordinal);
    }

    private sealed class ProcessKilledException : Exception;

    /// <summary>Hands a batch with messages to <paramref name="inner"/>, then the process dies before the watcher saves its checkpoint.</summary>
    private sealed class CrashAfterAcceptSink(CollectingSink inner) : IChainEventSink
    {
        public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
        {
            await inner.AcceptAsync(batch, cancellationToken);
            if (batch.Observed.Count + batch.Retracted.Count > 0)
            {
                throw new ProcessKilledException();
            }
        }
    }

    private sealed class FailingSink : IChainEventSink
    {
        public Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken) => throw new InvalidOperationException("bus down");
    }

    private static EscrowWatcher Watcher(FakeChain chain, ICheckpointStore<WatcherCheckpoint> store, Action<EvmChainOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new EvmChainOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/") },
            ChainId = FakeChain.Chain.Value,
            EscrowAddress = FakeChain.Escrow.ToString(),
            ConfirmationDepth = 0,
            MaxBlockRange = 5,
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
