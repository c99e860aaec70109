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
}
