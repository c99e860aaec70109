using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopCrashTests
{
    private const int Intents = 5;

    [Fact]
    public async Task StepAsync_CrashBeforeEveryStoreWrite_NewLoopResumesSameRootEveryIntentEndsOncePaidOnce()
    {
        var (baselineRoot, baselineWrites) = await BaselineAsync();
        Assert.True(baselineWrites > 20, $"only {baselineWrites} writes");

        for (var write = 1; write <= baselineWrites; write++)
        {
            var world = new NodeWorld();
            var intents = await OpenAllAsync(world);
            using var crash = new Crash();
            world.Store.CrashAt = (write, crash);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined, crash.Token));
            world.Store.CrashAt = null;

            await world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined);

            AssertEndedOnce(world, intents, baselineRoot, $"crash at write {write}");
        }
    }

    [Fact]
    public async Task StepAsync_CrashAtEveryWriteOfTheCloseThenTheClockPricesPoolsAndCursorsMove_ResumesTheDecidedClose()
    {
        var baseline = new NodeWorld();
        await OpenAllAsync(baseline);
        AcceptCursors(baseline, 40);
        await baseline.RunUntilAsync(baseline.NewLoop(), 1, EpochStage.Open);
        var firstCloseWrite = baseline.Store.Writes + 1;
        await baseline.RunUntilAsync(baseline.NewLoop(), 1, EpochStage.Closed);
        var lastCloseWrite = baseline.Store.Writes;
        var manifest = baseline.Store.Blob(1, "manifest")!;
        var input = baseline.Store.Blob(1, "input")!;
        Assert.True(lastCloseWrite - firstCloseWrite >= 3, $"the close wrote {lastCloseWrite - firstCloseWrite + 1} times");

        // The first write of the close is its decision: a crash there decides again later. Every write after it resumes it.
        for (var write = firstCloseWrite + 1; write <= lastCloseWrite; write++)
        {
            var world = new NodeWorld();
            var intents = await OpenAllAsync(world);
            AcceptCursors(world, 40);
            using var crash = new Crash();
            world.Store.CrashAt = (write, crash);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Closed, crash.Token));
            world.Store.CrashAt = null;

            // The restart comes later: the clock, the price, the pools and the chains' cursors all moved.
            world.Time.Advance(TimeSpan.FromSeconds(37));
            world.Feed.Prices["USDC"] = 1_010_000_000_000_000_000UL;
            world.EscrowA.Fund(NodeWorld.TokenA, 5_000_000UL);
            world.EscrowB.Fund(NodeWorld.TokenB, 5_000_000UL);
            AcceptCursors(world, 55);

            await world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined);

            var where = $"crash at write {write} of the close ({firstCloseWrite}..{lastCloseWrite})";
            Assert.True(manifest.AsSpan().SequenceEqual(world.Store.Blob(1, "manifest")), $"{where}: the manifest differs from the decided one");
            Assert.True(input.AsSpan().SequenceEqual(world.Store.Blob(1, "input")), $"{where}: the input differs from the decided one");
            Assert.Equal(baseline.Store.Records.Single().ManifestHash, world.Store.Records.Single().ManifestHash);
            Assert.Equal(baseline.Store.Records.Single().Trigger, world.Store.Records.Single().Trigger);
            Assert.All(intents, id => Assert.True(world.Store.Intent(id).Stage is IntentStage.Filled or IntentStage.Refunded, $"{where}: {id}"));
        }
    }

    [Fact]
    public async Task StepAsync_ReplyLostAfterEveryChunkApplied_NewLoopFindsItAppliedAndPaysNothingTwice()
    {
        var (baselineRoot, _) = await BaselineAsync();
        var chunks = (await BaselineWorldAsync()).Journal.Select(c => c.Reference).ToArray();
        Assert.True(chunks.Length >= 4, $"only {chunks.Length} chunks");

        foreach (var lost in chunks)
        {
            var world = new NodeWorld();
            var intents = await OpenAllAsync(world);
            using var crash = new Crash();
            world.EscrowA.CrashAfterApply = world.EscrowB.CrashAfterApply = c => c.Reference == lost ? crash : null;
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined, crash.Token));
            world.EscrowA.CrashAfterApply = world.EscrowB.CrashAfterApply = _ => null;

            await world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined);

            AssertEndedOnce(world, intents, baselineRoot, $"reply lost for chunk {lost}");
            var leg = world.Events.Distinct<LegApplied>().Single(e => e.ChainId == lost.ChainId && e.ChunkIndex == lost.Index);
            Assert.True(leg.AlreadyApplied, $"chunk {lost}: the replay must find it applied");
            var record = Assert.Single(world.Store.Records);
            Assert.Equal(2, record.Chunks.Single(c => c.ChainId == lost.ChainId && c.Index == lost.Index).Attempts);
        }
    }

    private static async Task<(Bytes32 Root, int Writes)> BaselineAsync()
    {
        var world = await BaselineWorldAsync();
        return (Assert.Single(world.Store.Records).BatchRoot!.Value, world.Store.Writes);
    }

    private static async Task<NodeWorld> BaselineWorldAsync()
    {
        var world = new NodeWorld();
        await OpenAllAsync(world);
        await world.RunUntilAsync(world.NewLoop(), 1, EpochStage.Margined);
        return world;
    }

    private static void AcceptCursors(NodeWorld world, ulong height)
    {
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(height, $"0xa{height}")));
        world.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainB, [], [], new ChainCursor(height * 10, $"sigB{height}")));
    }

    // Every world opens the same intents at the same fake time, so every run clears the same input.
    private static async Task<Bytes32[]> OpenAllAsync(NodeWorld world)
    {
        var ids = new List<Bytes32>();
        for (var i = 0; i < Intents - 1; i++)
        {
            ids.Add((await world.OpenAsync()).IntentId);
        }

        ids.Add((await world.OpenAsync(deadline: (ulong)world.Time.GetUtcNow().ToUnixTimeSeconds() + 10)).IntentId); // refunded
        return [.. ids];
    }

    private static void AssertEndedOnce(NodeWorld world, Bytes32[] intents, Bytes32 baselineRoot, string where)
    {
        var record = Assert.Single(world.Store.Records);
        Assert.True(record.Stage == EpochStage.Margined, where);
        Assert.True(record.BatchRoot == baselineRoot, $"{where}: root {record.BatchRoot} differs from {baselineRoot}");
        var settled = world.Events.All.OfType<IntentSettled>().Select(e => e.IntentId).Distinct().ToHashSet();
        var refunded = world.Events.All.OfType<IntentRefunded>().Select(e => e.IntentId).Distinct().ToHashSet();
        foreach (var id in intents)
        {
            var stage = world.Store.Intent(id).Stage;
            Assert.True(stage is IntentStage.Filled or IntentStage.Refunded, $"{where}: intent {id} is {stage}");
            Assert.True(settled.Contains(id) ^ refunded.Contains(id), $"{where}: intent {id} settled {settled.Contains(id)} refunded {refunded.Contains(id)}");
            Assert.True(stage == IntentStage.Filled == settled.Contains(id), $"{where}: intent {id} is {stage}");
        }

        Assert.True(world.EscrowB.Payouts.Values.All(n => n == 1), $"{where}: a payout was made twice");
        Assert.Equal(settled.Count, world.EscrowB.Payouts.Count);
        Assert.Equal(Intents - 1, settled.Count);
    }
}
