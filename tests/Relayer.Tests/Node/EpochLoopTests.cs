using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopTests
{
    [Fact]
    public async Task StepAsync_TwoEpochsInARow_EveryIntentFilledOncePaidOnceAndEpochIdsFollow()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var first = new[] { await world.OpenAsync(), await world.OpenAsync(), await world.OpenAsync() };
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);
        var second = new[] { await world.OpenAsync(), await world.OpenAsync() };
        await world.RunUntilAsync(loop, 2, EpochStage.Margined);

        var all = first.Concat(second).ToArray();
        Assert.All(all, i => Assert.Equal(IntentStage.Filled, world.Store.Intent(i.IntentId).Stage));
        Assert.All(all, i => Assert.Equal(1, world.EscrowB.Payouts[i.IntentId]));
        Assert.All(all, i => Assert.Equal(EscrowIntentState.Released, world.EscrowA.StateOf(i.IntentId)));
        Assert.Equal(all.Select(i => i.IntentId).Order(), world.Events.Distinct<IntentSettled>().Select(e => e.IntentId).Order());
        Assert.Equal(all.Length, world.Events.All.OfType<IntentSettled>().Count());
        Assert.Equal([1UL, 2UL], world.Store.Records.Select(r => r.EpochId));
        Assert.Equal([3, 2], world.Store.Records.Select(r => r.Filled));
        Assert.All(world.Store.Records, r => Assert.Superset(
            new HashSet<EpochStage> { EpochStage.Closed, EpochStage.Released, EpochStage.Settled, EpochStage.Margined }, r.StageTimes.Keys.ToHashSet()));
        Assert.Equal(2, world.Events.Distinct<MarginUpdated>().Count);
    }

    [Fact]
    public async Task StepAsync_LastEpochSet_NoLaterEpochCloses()
    {
        var world = new NodeWorld();
        world.Options.LastEpoch = 1;
        var loop = world.NewLoop();
        await world.OpenAsync();
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);
        var late = await world.OpenAsync();

        for (var i = 0; i < 20; i++)
        {
            world.Time.Advance(TimeSpan.FromSeconds(1));
            await loop.StepAsync(CancellationToken.None);
        }

        var current = Assert.IsType<EpochRecord>(await world.Store.CurrentAsync(CancellationToken.None));
        Assert.Equal((2UL, EpochStage.Open), (current.EpochId, current.Stage));
        Assert.Equal(IntentStage.Open, world.Store.Intent(late.IntentId).Stage);
    }

    [Fact]
    public async Task StepAsync_PayoutChunks_SentOnlyAfterTheirReleaseChunk()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        for (var i = 0; i < 5; i++)
        {
            await world.OpenAsync();
        }

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Contains(world.Journal, c => c.Stage == ChunkStage.Release);
        foreach (var (payout, index) in world.Journal.Select((c, i) => (c, i)).Where(p => p.c.AwaitsRelease is not null))
        {
            var release = world.Journal.FindIndex(c => c.Reference == payout.AwaitsRelease);
            Assert.InRange(release, 0, index - 1);
        }
    }

    [Fact]
    public async Task StepAsync_PoolTooSmall_IntentDeferredCarriedOverAndFilledInALaterEpoch()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var big = await world.OpenAsync(amount: 150_000_000); // the B pool holds 100 USDC
        await world.RunUntilAsync(loop, 1, EpochStage.Cleared);
        await world.RunUntilAsync(loop, 1, EpochStage.Attested);

        var deferred = Assert.Single(world.Events.Distinct<IntentDeferred>());
        Assert.Equal((1UL, big.IntentId, 1), (deferred.EpochId, deferred.IntentId, deferred.TimesDeferred));
        Assert.Equal(IntentStage.Open, world.Store.Intent(big.IntentId).Stage);

        world.EscrowB.Fund(NodeWorld.TokenB, 100_000_000UL); // rebalanced before the margin engine runs
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);
        var margin = Assert.Single(world.Events.Distinct<MarginUpdated>()).Pools.Single(p => p.ChainId == NodeWorld.ChainB);
        Assert.Equal(big.MinOutputAmount, margin.Obligations);
        await world.RunUntilAsync(loop, 2, EpochStage.Margined);

        Assert.Equal(IntentStage.Filled, world.Store.Intent(big.IntentId).Stage);
        Assert.Equal(1, world.Store.Intent(big.IntentId).TimesDeferred);
        Assert.Equal(1, world.EscrowB.Payouts[big.IntentId]);
    }

    [Fact]
    public async Task StepAsync_DeferredIntentReorganisedOutWhileInTheEpoch_EndsRetractedNotOpen()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var big = await world.OpenAsync(amount: 150_000_000); // the B pool holds 100 USDC: deferred
        await world.RunUntilAsync(loop, 1, EpochStage.Cleared);
        Assert.False(await world.Store.RetractAsync(new IntentRetracted { ChainId = NodeWorld.ChainA, IntentId = big.IntentId, Reason = "reorg" }, CancellationToken.None));

        await world.RunUntilAsync(loop, 1, EpochStage.Attested);

        Assert.Equal(IntentStage.Retracted, world.Store.Intent(big.IntentId).Stage);
        Assert.Equal(0, await world.Store.OpenCountAsync(CancellationToken.None));
        Assert.Empty(world.Events.Distinct<IntentDeferred>()); // its subscribers would expect it to stay open
    }

    [Fact]
    public async Task StepAsync_DeadlineInsideTheSettlementMargin_RefundedOnItsOriginChain()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var late = await world.OpenAsync(deadline: (ulong)world.Time.GetUtcNow().ToUnixTimeSeconds() + 30);

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal(IntentStage.Refunded, world.Store.Intent(late.IntentId).Stage);
        Assert.Equal(EscrowIntentState.Refunded, world.EscrowA.StateOf(late.IntentId));
        var refunded = Assert.Single(world.Events.Distinct<IntentRefunded>());
        Assert.Equal(("expired", late.Depositor, late.InputAmount), (refunded.Reason, refunded.Depositor, refunded.Amount));
        Assert.Empty(world.EscrowB.Payouts);
    }

    [Fact]
    public async Task StepAsync_ReleaseChunkNotFinalLongPastItsDeadline_NeverAbandonedEpochWaitsThenPaysEveryIntent()
    {
        // An EVM Release mined but not yet final: every round fails and the escrow still shows its intents Open,
        // far longer than the per-round deadline. Abandoning it would put the intents back in the book while the
        // Release becomes final later: deposits released, never paid.
        var world = new NodeWorld();
        world.Options.ChunkDeadline = TimeSpan.FromMinutes(2);
        using var stuck = new NodeGaugeReadings("node.chunks.stuck", world.Options.NodeId);
        var notFinal = true;
        world.EscrowA.Fails = c => notFinal && c.Stage == ChunkStage.Release && c.Index == 0;
        var loop = world.NewLoop();
        var intents = new[] { await world.OpenAsync(), await world.OpenAsync(), await world.OpenAsync() };

        await world.RunUntilAsync(loop, 1, EpochStage.Attested);
        await world.StepAsync(loop, 300); // five minutes: well past the deadline of a round

        var record = Assert.Single(world.Store.Records);
        Assert.Equal(EpochStage.Attested, record.Stage);
        var waiting = record.Chunks.Single(c => c.ChainId == NodeWorld.ChainA && c.Index == 0);
        Assert.NotEqual(ChunkProgressStage.Abandoned, waiting.Stage);
        Assert.True(waiting.Attempts > 3, $"{waiting.Attempts} attempts");
        Assert.Contains("reverted", waiting.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(record.Chunks, c => c.Stage == ChunkProgressStage.Abandoned);
        Assert.All(intents, i => Assert.Equal(IntentStage.InEpoch, world.Store.Intent(i.IntentId).Stage));
        Assert.Empty(world.EscrowB.Payouts);
        var reports = world.Logger.Messages(23);
        Assert.True(reports.Length >= 20, $"only {reports.Length} reports in five minutes");
        Assert.Contains(reports, m => m.StartsWith("Chain 31337 epoch 1 chunk 0 (Release)", StringComparison.Ordinal));
        Assert.True(stuck.Of(NodeWorld.ChainA).Last >= 1, "the stuck-chunk gauge must show the Release chunk");

        notFinal = false;
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        record = Assert.Single(world.Store.Records);
        Assert.DoesNotContain(record.Chunks, c => c.Stage == ChunkProgressStage.Abandoned);
        Assert.All(intents, i => Assert.Equal((IntentStage.Filled, 1), (world.Store.Intent(i.IntentId).Stage, world.EscrowB.Payouts[i.IntentId])));
        Assert.Equal(intents.Length, world.Events.Distinct<IntentSettled>().Count);
        Assert.Empty(await world.Store.OpenAsync(CancellationToken.None));
        Assert.Equal(0L, stuck.Of(NodeWorld.ChainA).Last);
    }

    [Fact]
    public async Task StepAsync_StalePrice_ClosesNothingThenClosesWhenThePriceIsBack()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        await world.OpenAsync();
        world.Feed.Stale = true;

        for (var i = 0; i < 20; i++)
        {
            Assert.False(await loop.StepAsync(CancellationToken.None) && (await world.Store.CurrentAsync(CancellationToken.None))!.Stage != EpochStage.Open);
            world.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(EpochStage.Open, Assert.Single(world.Store.Records).Stage);
        Assert.Null(world.Store.Blob(1, "manifest"));

        world.Feed.Stale = false;
        Assert.True(await loop.StepAsync(CancellationToken.None));
        Assert.Equal(EpochStage.Closed, Assert.Single(world.Store.Records).Stage);
        Assert.NotNull(world.Store.Blob(1, "manifest"));
    }

    [Fact]
    public async Task StepAsync_SecondEpoch_ClearsOnPoolsCappedByTheMarginEngine()
    {
        var world = new NodeWorld();
        world.Options.Margin.UsableShareBps = 2_500;
        var loop = world.NewLoop();
        await world.OpenAsync();
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);
        await world.OpenAsync();
        await world.RunUntilAsync(loop, 2, EpochStage.Closed);

        var caps = world.Events.Distinct<MarginUpdated>().Single().Pools.ToDictionary(p => p.ChainId, p => p.NextEpochCap);
        var input = DiscreteExec.Relayer.ClearingFiles.EpochFileReader.Parse(world.Store.Blob(2, "input"));
        Assert.All(input.Pools, p => Assert.Equal(caps[p.ChainId], p.Balance));
        Assert.Equal((await world.EscrowB.PoolBalanceAsync(NodeWorld.TokenB, CancellationToken.None)) / 4UL, caps[NodeWorld.ChainB]);
    }

    [Fact]
    public async Task RunAsync_LeaseLost_StopsCleanlyWithoutWriting()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        Assert.True(await loop.StepAsync(CancellationToken.None)); // takes the lease, opens epoch 1
        var writes = world.Store.Writes;
        world.Store.LeaseLost = true;

        await loop.RunAsync(CancellationToken.None);

        Assert.Equal(writes, world.Store.Writes);
    }
}
