using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class WatcherIntegrationTests : IClassFixture<EscrowTestbed>, IDisposable
{
    private readonly EscrowTestbed _bed;
    private readonly string _directory = Directory.CreateTempSubdirectory("evm-watcher-").FullName;

    public WatcherIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Watcher_ManyUsersOpenIntents_ReportsEachExactlyOnceWithEveryFieldAcrossRestarts()
    {
        var users = Enumerable.Range(0, 12).Select(i => EscrowTestbed.Key($"user-{i}")).ToArray();
        await _bed.FundAsync(users);
        var startBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var opened = new List<(EvmKey User, DiscreteExec.Adapters.Evm.Escrow.IntentParams Params)>();
        await Task.WhenAll(users.Select(async (user, i) =>
        {
            for (var k = 0; k < 2; k++)
            {
                // One amount above 2^88 exercises the escrow's large-amount path.
                var amount = i == 0 && k == 1 ? UInt256.Parse("1000000000000000000000000000000") : (UInt256)(1_000_000UL + ((ulong)i * 1000) + (ulong)k);
                var p = await _bed.OpenIntentAsync(user, amount, ((ulong)i * 10) + (ulong)k);
                lock (opened)
                {
                    opened.Add((user, p));
                }
            }
        }));
        await _bed.MineAsync(3);

        var checkpoint = Path.Combine(_directory, "checkpoint.json");
        var sink = new CollectingSink();
        var options = _bed.Options(confirmationDepth: 2);
        options.MaxBlockRange = 7;
        options.StartBlock = (long)startBlock;
        await CatchUpAsync(NewWatcher(options, checkpoint), sink);

        Assert.Equal(opened.Count, sink.Observed.Count);
        Assert.Equal(opened.Count, sink.Observed.Select(o => o.Intent.IntentId).Distinct().Count());
        foreach (var observed in sink.Observed)
        {
            var intent = observed.Intent;
            var (user, p) = Assert.Single(opened, o => o.Params.OutputToken == intent.OutputToken);
            Assert.Equal(IntentId.Compute(new ChainId(AnvilProcess.ChainId), _bed.Escrow.ToBytes32(), intent.DepositNonce), intent.IntentId);
            Assert.Equal(new ChainId(AnvilProcess.ChainId), intent.OriginChainId);
            Assert.Equal(user.Address.ToBytes32(), intent.Depositor);
            Assert.Equal(p.InputToken.ToBytes32(), intent.InputToken);
            Assert.Equal(p.InputAmount, intent.InputAmount);
            Assert.Equal(p.DestinationChainId, intent.DestinationChainId);
            Assert.Equal(p.MinOutputAmount, intent.MinOutputAmount);
            Assert.Equal(p.Recipient, intent.Recipient);
            Assert.Equal(p.FillDeadline, intent.FillDeadline);
            Assert.Equal(1, await _bed.IntentStatusAsync(intent.IntentId));
        }

        var firstNonce = sink.Observed.Min(o => o.Intent.DepositNonce);
        Assert.Equal(Enumerable.Range(0, opened.Count).Select(i => firstNonce + (ulong)i), sink.Observed.Select(o => o.Intent.DepositNonce).Order());

        // A restarted watcher resumes from the file and reports only what is new.
        var restartedSink = new CollectingSink();
        await CatchUpAsync(NewWatcher(options, checkpoint), restartedSink);
        Assert.Empty(restartedSink.Observed);

        var late = await _bed.OpenIntentAsync(users[3], 777, 999);
        await _bed.MineAsync(2);
        await CatchUpAsync(NewWatcher(options, checkpoint), restartedSink);
        var single = Assert.Single(restartedSink.Observed);
        Assert.Equal(late.OutputToken, single.Intent.OutputToken);
    }

    [Fact]
    public async Task Watcher_ReorgAfterReporting_RetractsIntentsFromDroppedBlocksAndReportsTheNewFork()
    {
        var alice = EscrowTestbed.Key("reorg-alice");
        var bob = EscrowTestbed.Key("reorg-bob");
        await _bed.FundAsync(alice, bob);
        var options = _bed.Options(confirmationDepth: 0);
        var watcher = NewWatcher(options, Path.Combine(_directory, "reorg.json"));
        var sink = new CollectingSink();
        await CatchUpAsync(watcher, sink);
        var before = sink.Observed.Count;

        var snapshot = await _bed.SnapshotAsync();
        for (var i = 0; i < 3; i++)
        {
            await _bed.OpenIntentAsync(alice, 5_000, 5000 + (ulong)i);
        }

        await CatchUpAsync(watcher, sink);
        var dropped = sink.Observed.Skip(before).Select(o => o.Intent.IntentId).ToArray();
        Assert.Equal(3, dropped.Length);

        // The other fork: different transactions in more blocks than the dropped ones.
        await _bed.RevertAsync(snapshot);
        var replacement = await _bed.OpenIntentAsync(bob, 6_000, 6000);
        await _bed.MineAsync(12);
        await CatchUpAsync(watcher, sink);

        Assert.Equal(dropped.Order(), sink.Retracted.Select(r => r.IntentId).Order());
        Assert.All(sink.Retracted, r => Assert.Contains("reorganised", r.Reason, StringComparison.Ordinal));
        var fresh = sink.Observed.Skip(before + 3).ToArray();
        var reported = Assert.Single(fresh);
        Assert.Equal(bob.Address.ToBytes32(), reported.Intent.Depositor);
        Assert.Equal(replacement.OutputToken, reported.Intent.OutputToken);
    }

    private EscrowWatcher NewWatcher(DiscreteExec.Adapters.Evm.Configuration.EvmChainOptions options, string checkpoint) =>
        new(_bed.Rpc, options, new JsonFileCheckpointStore<WatcherCheckpoint>(checkpoint), TimeProvider.System, NullLogger<EscrowWatcher>.Instance);

    private static async Task CatchUpAsync(EscrowWatcher watcher, CollectingSink sink)
    {
        for (var i = 0; i < 1000 && await watcher.PollOnceAsync(sink, CancellationToken.None); i++)
        {
        }
    }
}
