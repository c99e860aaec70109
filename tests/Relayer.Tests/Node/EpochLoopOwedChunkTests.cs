using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopOwedChunkTests
{
    private const int OwedChunkStuckEvent = 23;

    [Fact]
    public async Task StepAsync_PayoutAndRefundChunksFailAfterTheirReleaseApplied_RetriedUntilAppliedEpochWaitsAndReportsIt()
    {
        var world = new NodeWorld();
        using var stuck = new NodeGaugeReadings("node.chunks.stuck", world.Options.NodeId);
        var loop = world.NewLoop();
        var filled = new[] { await world.OpenAsync(), await world.OpenAsync() };
        var refunded = await world.OpenAsync(deadline: (ulong)world.Time.GetUtcNow().ToUnixTimeSeconds() + 30);
        var transfersDown = true;
        world.EscrowA.Fails = world.EscrowB.Fails = c => transfersDown && c.Stage == ChunkStage.Transfer;

        await world.RunUntilAsync(loop, 1, EpochStage.Released);
        Assert.All(filled, i => Assert.Equal(EscrowIntentState.Released, world.EscrowA.StateOf(i.IntentId)));
        var later = await world.OpenAsync();
        await world.StepAsync(loop, 300); // five minutes: well past the chunk deadline (2 minutes)

        var record = Assert.Single(world.Store.Records);
        Assert.Equal(EpochStage.Released, record.Stage);
        Assert.DoesNotContain(record.Chunks, c => c.Stage == ChunkProgressStage.Abandoned);
        Assert.All(filled.Append(refunded), i => Assert.Equal(IntentStage.InEpoch, world.Store.Intent(i.IntentId).Stage));
        Assert.Equal(IntentStage.Open, world.Store.Intent(later.IntentId).Stage); // no later epoch while this one is owed
        var reports = world.Logger.Messages(OwedChunkStuckEvent);
        Assert.True(reports.Length >= 20, $"only {reports.Length} reports in five minutes");
        Assert.Contains(reports, m => m.StartsWith("Chain 900001 epoch 1 chunk 0 (Transfer)", StringComparison.Ordinal));
        Assert.Contains(reports, m => m.StartsWith("Chain 31337 epoch 1 chunk ", StringComparison.Ordinal));
        Assert.True(stuck.Of(NodeWorld.ChainB).Last >= 1, "the stuck-chunk gauge must show the payout chunk");
        Assert.True(stuck.Of(NodeWorld.ChainA).Last >= 1, "the stuck-chunk gauge must show the refund chunk");

        transfersDown = false;
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.All(filled, i => Assert.Equal((IntentStage.Filled, 1), (world.Store.Intent(i.IntentId).Stage, world.EscrowB.Payouts[i.IntentId])));
        Assert.Equal(IntentStage.Refunded, world.Store.Intent(refunded.IntentId).Stage);
        Assert.Equal(EscrowIntentState.Refunded, world.EscrowA.StateOf(refunded.IntentId));
        Assert.Equal(filled.Length, world.Events.Distinct<IntentSettled>().Count);
        Assert.Equal((0L, 0L), (stuck.Of(NodeWorld.ChainA).Last, stuck.Of(NodeWorld.ChainB).Last));
    }

    [Fact]
    public async Task StepAsync_ReleaseAppliedButEveryReplyLostAndStateUnreadable_NeverAbandonedThenFoundAppliedAndPaid()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var intents = new[] { await world.OpenAsync(), await world.OpenAsync(), await world.OpenAsync() };
        world.EscrowA.LosesReply = c => c.Stage == ChunkStage.Release && c.Index == 0;

        // Readable at the close (it checks every intent is still Open on its origin), unreadable from then on.
        await world.RunUntilAsync(loop, 1, EpochStage.Closed);
        world.EscrowA.StateUnreadable = true;
        await world.RunUntilAsync(loop, 1, EpochStage.Attested);
        await world.StepAsync(loop, 300); // five minutes: well past the chunk deadline (2 minutes)

        var record = Assert.Single(world.Store.Records);
        Assert.Equal(EpochStage.Attested, record.Stage);
        var lost = record.Chunks.Single(c => c.ChainId == NodeWorld.ChainA && c.Index == 0);
        Assert.Equal(ChunkProgressStage.Sending, lost.Stage);
        Assert.True(lost.Attempts > 3, $"{lost.Attempts} attempts");
        Assert.Contains(world.Logger.Messages(OwedChunkStuckEvent), m => m.StartsWith("Chain 31337 epoch 1 chunk 0 (Release)", StringComparison.Ordinal) && m.Contains("cannot be read", StringComparison.Ordinal));
        Assert.All(intents, i => Assert.Equal(IntentStage.InEpoch, world.Store.Intent(i.IntentId).Stage));

        world.EscrowA.StateUnreadable = false; // the replies stay lost: only the chain's state can tell
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        record = Assert.Single(world.Store.Records);
        Assert.Equal(ChunkProgressStage.AlreadyApplied, record.Chunks.Single(c => c.ChainId == NodeWorld.ChainA && c.Index == 0).Stage);
        Assert.DoesNotContain(record.Chunks, c => c.Stage == ChunkProgressStage.Abandoned);
        Assert.True(world.Events.Distinct<LegApplied>().Single(e => e.ChainId == NodeWorld.ChainA && e.ChunkIndex == 0).AlreadyApplied);
        Assert.All(intents, i => Assert.Equal((IntentStage.Filled, 1), (world.Store.Intent(i.IntentId).Stage, world.EscrowB.Payouts[i.IntentId])));
        Assert.Empty(await world.Store.OpenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task StepAsync_OneReleaseChunkWaits_TheAppliedChunksLegAppliedIsPublishedOnce()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        _ = new[] { await world.OpenAsync(), await world.OpenAsync(), await world.OpenAsync() }; // 2 Release chunks on A
        world.EscrowA.Fails = c => c.Stage == ChunkStage.Release && c.Index == 1;

        await world.RunUntilAsync(loop, 1, EpochStage.Attested);
        await world.StepAsync(loop, 60);

        Assert.Equal(EpochStage.Attested, Assert.Single(world.Store.Records).Stage);
        var legs = world.Events.All.OfType<LegApplied>().ToArray();
        Assert.Single(legs, e => e.ChainId == NodeWorld.ChainA && e.ChunkIndex == 0);
        Assert.DoesNotContain(legs, e => e.ChainId == NodeWorld.ChainA && e.ChunkIndex == 1);

        world.EscrowA.Fails = _ => false;
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        legs = [.. world.Events.All.OfType<LegApplied>()];
        Assert.Equal(legs.Length, legs.DistinctBy(e => e.EventId).Count());
        Assert.Single(legs, e => e.ChainId == NodeWorld.ChainA && e.ChunkIndex == 1);
    }

    [Fact]
    public async Task StepAsync_PayoutAppliedButEveryReplyLost_FoundPaidOnChainNotPaidTwice()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var intent = await world.OpenAsync();
        world.EscrowB.LosesReply = c => c.Stage == ChunkStage.Transfer;

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal((IntentStage.Filled, 1), (world.Store.Intent(intent.IntentId).Stage, world.EscrowB.Payouts[intent.IntentId]));
        Assert.Equal(ChunkProgressStage.AlreadyApplied, Assert.Single(world.Store.Records).Chunks.Single(c => c.ChainId == NodeWorld.ChainB).Stage);
    }
}
