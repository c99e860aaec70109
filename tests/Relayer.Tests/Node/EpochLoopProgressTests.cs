using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopProgressTests
{
    [Fact]
    public async Task StepAsync_EpochMargined_OneSummaryWithCountsLatencyChainWaitAndPools()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var chainTime = TimeSpan.FromSeconds(2);
        world.EscrowA.OnSubmit = world.EscrowB.OnSubmit = () => world.Time.Advance(chainTime);
        for (var i = 0; i < 3; i++)
        {
            await world.OpenAsync();
        }

        await world.OpenAsync(deadline: (ulong)world.Time.GetUtcNow().ToUnixTimeSeconds() + 30); // refunded
        await world.OpenAsync(amount: 150_000_000); // deferred: the B pool holds 100 USDC
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        var summary = Assert.Single(world.Progress.Summaries);
        var record = Assert.Single(world.Store.Records);
        Assert.Equal((1UL, "Duration", 5, 3, 1, 1), (summary.EpochId, summary.Trigger, summary.IntentCount, summary.Filled, summary.Refunded, summary.Deferred));
        Assert.Equal((2, record.Chunks.Count, 0), (summary.Legs, summary.Chunks, summary.ChunksAbandoned));
        Assert.True(summary.Chunks >= 3, $"{summary.Chunks} chunks");
        Assert.Equal(TimeSpan.FromMilliseconds(record.StageTimes[EpochStage.Settled] - record.StageTimes[EpochStage.Closed]), summary.SettleLatency);
        // The fake clock moves only inside the escrows: all of it is chain wait, none of it the node's own time.
        Assert.Equal(chainTime * summary.Chunks, summary.ChainWait);
        Assert.Equal(summary.ChainWait, summary.SettleLatency);
        Assert.Equal(TimeSpan.Zero, summary.NodeTime);
        Assert.Equal(["attest", "clear", "close", "margin", "pay", "release"], summary.Steps!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(summary.ChainWait, summary.Steps.Values.Aggregate(TimeSpan.Zero, (sum, step) => sum + step.Chain));
        Assert.Equal(TimeSpan.Zero, summary.ClearingTime);
        Assert.Equal(2 * summary.Chunks, summary.LedgerSaves); // sending, then applied
        Assert.Equal(world.Events.Distinct<MarginUpdated>().Single().Pools, summary.Pools);
        Assert.Equal(await world.EscrowB.PoolBalanceAsync(NodeWorld.TokenB, CancellationToken.None), summary.Pools.Single(p => p.ChainId == NodeWorld.ChainB).Balance);
    }
}
