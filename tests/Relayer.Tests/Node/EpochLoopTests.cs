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
    public async Task StepAsync_ReleaseChunkKeepsFailing_ItsPayoutsWithheldIntentsBackInTheBookAndTheEpochEnds()
    {
        var world = new NodeWorld();
        world.EscrowA.Fails = c => c.Stage == ChunkStage.Release && c.Index == 0;
        var loop = world.NewLoop();
        for (var i = 0; i < 3; i++)
        {
            await world.OpenAsync();
        }

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        var record = Assert.Single(world.Store.Records);
        var failed = record.Chunks.Single(c => c.ChainId == NodeWorld.ChainA && c.Index == 0);
        // Rounds of a first attempt + 2 retries, until the chunk deadline since its first send has passed.
        Assert.Equal(ChunkProgressStage.Abandoned, failed.Stage);
        Assert.True(failed.Attempts > 3 && failed.Attempts % 3 == 0, $"{failed.Attempts} attempts");
        Assert.True(record.StageTimes[EpochStage.Released] - failed.FirstSentAtUnixMilliseconds >= (long)world.Options.ChunkDeadline.TotalMilliseconds, "abandoned before its deadline");
        Assert.Contains("reverted", failed.Error, StringComparison.Ordinal); // the cause survives the breaker opening
        var withheld = record.Chunks.Where(c => c.Error?.StartsWith("withheld", StringComparison.Ordinal) == true).ToArray();
        Assert.NotEmpty(withheld);
        Assert.DoesNotContain(world.Journal, c => c.AwaitsRelease == new ChunkReference(NodeWorld.ChainA, 0));
        // At 2 releases per chunk: chunk 0 (2 intents) fails and its 2 intents go back to the book; chunk 1 pays 1.
        Assert.Single(world.Events.Distinct<IntentSettled>());
        Assert.Equal(2, (await world.Store.OpenAsync(CancellationToken.None)).Count);
        Assert.All(world.EscrowB.Payouts.Keys, id => Assert.Equal(EscrowIntentState.Released, world.EscrowA.StateOf(id)));
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
