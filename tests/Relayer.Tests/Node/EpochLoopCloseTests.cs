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

    [Fact]
    public async Task StepAsync_IntentRetractedWhileTheEpochCloses_NeverInTheInputOrManifestAndNeverSettled()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var kept = await world.OpenAsync();
        var reorganised = await world.OpenAsync();
        world.Store.BeforeTake = () =>
        {
            world.Store.BeforeTake = null;
            Assert.True(world.Store.RetractAsync(new IntentRetracted { ChainId = NodeWorld.ChainA, IntentId = reorganised.IntentId, Reason = "reorg" }, CancellationToken.None).Result);
        };

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal([kept.IntentId], DiscreteExec.Relayer.ClearingFiles.EpochFileReader.Parse(world.Store.Blob(1, "input")).Intents.Select(i => i.IntentId));
        using var manifest = JsonDocument.Parse(world.Store.Blob(1, "manifest")!);
        Assert.Equal([kept.IntentId.ToString()], manifest.RootElement.GetProperty("intentIds").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal(1, Assert.Single(world.Store.Records).IntentCount);
        Assert.Equal(IntentStage.Retracted, world.Store.Intent(reorganised.IntentId).Stage);
        Assert.Equal(EscrowIntentState.Open, world.EscrowA.StateOf(reorganised.IntentId));
        Assert.Equal(IntentStage.Filled, world.Store.Intent(kept.IntentId).Stage);
        Assert.DoesNotContain(world.Journal.SelectMany(c => c.Actions), a => a.IntentId == reorganised.IntentId);
    }

    [Fact]
    public async Task StepAsync_RetractionAfterTheClose_RefusedBecauseTheEpochTookTheIntent()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var intent = await world.OpenAsync();

        await world.RunUntilAsync(loop, 1, EpochStage.Closed);

        Assert.Equal((IntentStage.InEpoch, 1UL), (world.Store.Intent(intent.IntentId).Stage, world.Store.Intent(intent.IntentId).EpochId!.Value));
        Assert.False(await world.Store.RetractAsync(new IntentRetracted { ChainId = NodeWorld.ChainA, IntentId = intent.IntentId, Reason = "late" }, CancellationToken.None));
    }
}
