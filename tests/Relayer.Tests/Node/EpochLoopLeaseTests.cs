using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

/// <summary>The lease while one step runs longer than its time to live (a chunk round may take up to its deadline).</summary>
public class EpochLoopLeaseTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task StepAsync_ChunkRoundLongerThanTheLeaseTimeToLive_KeepsTheLeaseAndFinishesTheStep()
    {
        var (world, gate, loop) = await AttestedAsync();
        var step = loop.StepAsync(CancellationToken.None);
        await gate.Entered.Task.WaitAsync(Patience);

        // Four times the lease's time to live on the node's clock; a rival replica tries to take the lease every second.
        for (var second = 1; second <= 60; second++)
        {
            world.Time.Advance(TimeSpan.FromSeconds(1));
            Assert.True(await world.Store.TryAcquireAsync("rival", world.Options.LeaseTimeToLive, CancellationToken.None) is null, $"the rival took the lease after {second} s");
        }

        gate.Release.SetResult();
        Assert.True(await step.WaitAsync(Patience));
        Assert.Equal(EpochStage.Released, Assert.Single(world.Store.Records).Stage);
    }

    [Fact]
    public async Task StepAsync_RenewalReportsTheLeaseLostWhileTheChunkIsInFlight_StopsBeforeItsNextWrite()
    {
        var (world, gate, loop) = await AttestedAsync();
        var step = loop.StepAsync(CancellationToken.None);
        await gate.Entered.Task.WaitAsync(Patience);
        var writes = world.Store.Writes;
        var renewals = world.Store.Renewals;

        world.Store.RenewalsRefused = true;
        world.Time.Advance(world.Options.LeaseTimeToLive / 3);
        Assert.Equal(renewals + 1, world.Store.Renewals);
        gate.Release.SetResult(); // the chain applied the chunk; the node must not write any more

        await Assert.ThrowsAsync<LeaseLostException>(() => step.WaitAsync(Patience));
        Assert.Equal(writes, world.Store.Writes);
        Assert.Equal(EpochStage.Attested, Assert.Single(world.Store.Records).Stage);
        Assert.Contains(world.Store.Records.Single().Chunks, c => c.Stage == ChunkProgressStage.Sending);
    }

    // A world whose epoch 1 is Attested, with the lease held on the fake clock and chain A's submissions held at a gate.
    private static async Task<(NodeWorld World, GatedSubmitter Gate, EpochLoop Loop)> AttestedAsync()
    {
        var world = new NodeWorld();
        world.Store.LeaseClock = world.Time;
        await world.OpenAsync();
        await world.OpenAsync();
        var gate = new GatedSubmitter(world.EscrowA);
        var loop = new EpochLoop(
            world.Store, world.Store, world.Store, world.Feed, world.Events,
            [new NodeChain(NodeWorld.ChainA, gate, world.EscrowA), new NodeChain(NodeWorld.ChainB, world.EscrowB, world.EscrowB)],
            world.Options, world.Time, world.Logger, world.Cursors, world.Progress);
        await world.RunUntilAsync(loop, 1, EpochStage.Attested);
        Assert.True(world.Options.LeaseTimeToLive < TimeSpan.FromSeconds(60) && world.Options.ChunkDeadline > TimeSpan.FromSeconds(60));
        return (world, gate, loop);
    }

    // Holds every submission until released, ignoring cancellation: a transaction already on its way.
    private sealed class GatedSubmitter(IChunkSubmitter inner) : IChunkSubmitter
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ChainId ChainId => inner.ChainId;

        public ChunkLimits Limits => inner.Limits;

        public async Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task.ConfigureAwait(false);
            return await inner.SubmitAsync(chunk, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
