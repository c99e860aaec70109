using System.Text.Json;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopCloseTests
{
    [Fact]
    public async Task StepAsync_WatchersReportedCursors_ManifestListsEachChainsLatestCursorInChainOrder()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainB, [], [], new ChainCursor(7_000, "sigB")));
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(41, "0xa41")));
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(42, "0xa42")));
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(40, "0xa40"))); // a replayed batch
        await world.OpenAsync();

        await world.RunUntilAsync(loop, 1, EpochStage.Closed);

        var manifest = world.Store.Blob(1, "manifest")!;
        using var json = JsonDocument.Parse(manifest);
        var cursors = json.RootElement.GetProperty("cursors").EnumerateArray()
            .Select(c => (c.GetProperty("chainId").GetRawText(), c.GetProperty("height").GetRawText(), c.GetProperty("hash").GetString()))
            .ToArray();
        Assert.Equal([("31337", "42", "0xa42"), ("900001", "7000", "sigB")], cursors);
        Assert.Equal(EpochManifest.Hash(manifest), Assert.Single(world.Store.Records).ManifestHash);
    }

    [Fact]
    public async Task StepAsync_PriceMovesWhileTheNodeRestarts_VolatilityBaselineIsThePersistedOpeningPrice()
    {
        var world = new NodeWorld();
        world.Options.Triggers.MaxDuration = TimeSpan.FromHours(1);
        world.Options.Triggers.MaxPriceMoveBps = 100;
        var opening = world.Feed.Prices["USDC"];
        await world.OpenAsync();
        var before = world.NewLoop();
        Assert.True(await before.StepAsync(CancellationToken.None)); // opens epoch 1
        Assert.False(await before.StepAsync(CancellationToken.None)); // nothing due

        world.Feed.Prices["USDC"] = opening * 105UL / 100UL; // +5% while the node restarts
        var after = world.NewLoop();
        Assert.True(await after.StepAsync(CancellationToken.None));

        var record = Assert.Single(world.Store.Records);
        Assert.Equal((EpochStage.Closed, "Volatility"), (record.Stage, record.Trigger));
        Assert.Equal(opening, record.OpeningPrices!["USDC"]);
    }
}
