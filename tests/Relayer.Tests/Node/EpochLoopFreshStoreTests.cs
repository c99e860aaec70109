using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

/// <summary>A node whose store is empty, started against escrows an earlier node already settled.</summary>
public class EpochLoopFreshStoreTests
{
    [Fact]
    public async Task StepAsync_EmptyStoreEscrowsAppliedEarlierEpochs_FirstEpochIsAboveTheHighestOnAnyChain()
    {
        var world = new NodeWorld();
        world.EscrowA.AppliedElsewhere(7, 0);
        world.EscrowB.AppliedElsewhere(12, 1);
        world.EscrowB.AppliedElsewhere(9, 0);
        var loop = world.NewLoop();

        Assert.True(await loop.StepAsync(CancellationToken.None));

        Assert.Equal((13UL, EpochStage.Open), (Assert.Single(world.Store.Records).EpochId, Assert.Single(world.Store.Records).Stage));
        Assert.Contains("applied epochs up to 12", Assert.Single(world.Logger.Messages(14)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StepAsync_EmptyStoreNothingApplied_FirstEpochIsOne()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();

        Assert.True(await loop.StepAsync(CancellationToken.None));

        Assert.Equal(1UL, Assert.Single(world.Store.Records).EpochId);
        Assert.Empty(world.Logger.Messages(14));
    }

    [Fact]
    public async Task StepAsync_StoreHoldsAnEpoch_EscrowsNotAskedAgainAndIdsContinue()
    {
        var world = new NodeWorld();
        await world.OpenAsync();
        await world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined);
        world.EscrowA.AppliedElsewhere(40, 0); // only an empty store looks at the chains

        await world.RunUntilAsync(world.NewLoop(), 2, EpochStage.Open);

        Assert.Equal([1UL, 2UL], world.Store.Records.Select(r => r.EpochId));
    }

    [Fact]
    public async Task StepAsync_IntentsAlreadyReleasedOrRefundedOnTheirOrigin_NotBookedAndLeaveTheBook()
    {
        var world = new NodeWorld();
        var open = await world.OpenAsync();
        var released = await world.OpenAsync();
        var refunded = await world.OpenAsync();
        world.EscrowA.SettleElsewhere(released.IntentId, EscrowIntentState.Released);
        world.EscrowB.Payouts[released.IntentId] = 1; // and paid on its destination by that earlier node
        world.EscrowA.SettleElsewhere(refunded.IntentId, EscrowIntentState.Refunded);
        var loop = world.NewLoop();

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal([open.IntentId], DiscreteExec.Relayer.ClearingFiles.EpochFileReader.Parse(world.Store.Blob(1, "input")).Intents.Select(i => i.IntentId));
        Assert.Equal(IntentStage.Filled, world.Store.Intent(released.IntentId).Stage);
        Assert.Equal(IntentStage.Refunded, world.Store.Intent(refunded.IntentId).Stage);
        Assert.Null(world.Store.Intent(released.IntentId).EpochId);
        Assert.DoesNotContain(world.Journal.SelectMany(c => c.Actions), a => a.IntentId == released.IntentId || a.IntentId == refunded.IntentId);
        Assert.Equal(2, world.Logger.Messages(15).Length);
        Assert.Contains(world.Logger.Messages(15), m => m.Contains(refunded.IntentId.ToString(), StringComparison.Ordinal) && m.Contains("Refunded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StepAsync_EveryBookedIntentSettledElsewhere_NoEpochCloses()
    {
        var world = new NodeWorld();
        var released = await world.OpenAsync();
        world.EscrowA.SettleElsewhere(released.IntentId, EscrowIntentState.Released);
        world.EscrowB.Payouts[released.IntentId] = 1;
        var loop = world.NewLoop();

        await world.StepAsync(loop, 20);

        var record = Assert.Single(world.Store.Records);
        Assert.Equal((1UL, EpochStage.Open), (record.EpochId, record.Stage));
        Assert.Equal(IntentStage.Filled, world.Store.Intent(released.IntentId).Stage);
    }

    [Fact]
    public async Task StepAsync_OriginStateUnreadableAtClose_IntentWaitsOpenAndIsBookedOnceReadable()
    {
        var world = new NodeWorld();
        var intent = await world.OpenAsync();
        world.EscrowA.StateUnreadable = true;
        var loop = world.NewLoop();

        await world.StepAsync(loop, 10);

        Assert.Equal(EpochStage.Open, Assert.Single(world.Store.Records).Stage);
        Assert.Equal(IntentStage.Open, world.Store.Intent(intent.IntentId).Stage);
        Assert.NotEmpty(world.Logger.Messages(16));

        world.EscrowA.StateUnreadable = false;
        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal(IntentStage.Filled, world.Store.Intent(intent.IntentId).Stage);
    }

    [Fact]
    public async Task StepAsync_IntentUnknownOnItsOrigin_LeftOutOfTheEpochKeptOpenAndWarned()
    {
        var world = new NodeWorld();
        var open = await world.OpenAsync();
        var forged = await world.BookOnlyAsync(); // an IntentObserved the escrow never saw
        var loop = world.NewLoop();

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal([open.IntentId], DiscreteExec.Relayer.ClearingFiles.EpochFileReader.Parse(world.Store.Blob(1, "input")).Intents.Select(i => i.IntentId));
        Assert.Equal((IntentStage.Open, (ulong?)null), (world.Store.Intent(forged.IntentId).Stage, world.Store.Intent(forged.IntentId).EpochId));
        Assert.DoesNotContain(world.Journal.SelectMany(c => c.Actions), a => a.IntentId == forged.IntentId);
        Assert.Contains(world.Logger.Entries, e => e is { EventId: 17, Level: Microsoft.Extensions.Logging.LogLevel.Warning } && e.Message.Contains(forged.IntentId.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task StepAsync_ReleasedOnItsOriginButUnpaidOnItsDestination_CriticalLeftOutAndNotFilled()
    {
        var world = new NodeWorld();
        var open = await world.OpenAsync();
        var released = await world.OpenAsync();
        world.EscrowA.SettleElsewhere(released.IntentId, EscrowIntentState.Released); // no payout on B
        var loop = world.NewLoop();

        await world.RunUntilAsync(loop, 1, EpochStage.Margined);

        Assert.Equal([open.IntentId], DiscreteExec.Relayer.ClearingFiles.EpochFileReader.Parse(world.Store.Blob(1, "input")).Intents.Select(i => i.IntentId));
        Assert.Equal(IntentStage.Open, world.Store.Intent(released.IntentId).Stage);
        Assert.False(world.EscrowB.Payouts.ContainsKey(released.IntentId));
        Assert.Empty(world.Logger.Messages(15));
        Assert.Contains(world.Logger.Entries, e => e is { EventId: 18, Level: Microsoft.Extensions.Logging.LogLevel.Critical } && e.Message.Contains(released.IntentId.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task StepAsync_DeferredIntentConfirmedOpenAtTheFirstClose_NotReadAgainAtTheNext()
    {
        var world = new NodeWorld();
        var loop = world.NewLoop();
        var big = await world.OpenAsync(amount: 150_000_000); // deferred: the B pool holds 100 USDC
        await world.RunUntilAsync(loop, 1, EpochStage.Attested);
        Assert.Equal(IntentStage.Open, world.Store.Intent(big.IntentId).Stage);
        world.EscrowB.Fund(NodeWorld.TokenB, 100_000_000UL);

        await world.RunUntilAsync(loop, 2, EpochStage.Margined);

        Assert.Equal(IntentStage.Filled, world.Store.Intent(big.IntentId).Stage);
        Assert.Equal(1, world.EscrowA.StateReads[big.IntentId]);
    }
}
