using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Tests.Node;

public class EpochLoopFailureBackoffTests
{
    private const int StepFailedEvent = 10;
    private const int StillFailingEvent = 12;
    private const int RecoveredEvent = 13;
    private const int LeaseLostEvent = 9;

    [Fact]
    public async Task RunAsync_StepsFailLongerThanTheLeaseLives_TheLeaseIsKeptThroughTheBackoff()
    {
        // A three-operator campaign: an operator's close failed for 40 s (its pools at its cursors unknown), its
        // backoff grew past the lease's 15 s lifetime, and it lost its lease to nobody ("another replica took over").
        var world = new NodeWorld();
        world.Store.LeaseClock = world.Time;
        var clock = new TimerRecordingTimeProvider(world.Time);
        var loop = new EpochLoop(
            world.Store, world.Store, world.Store, world.Feed, world.Events,
            [new NodeChain(NodeWorld.ChainA, world.EscrowA, world.EscrowA), new NodeChain(NodeWorld.ChainB, world.EscrowB, world.EscrowB)],
            world.Options, clock, world.Logger);
        Assert.True(world.Options.StepFailureMaxDelay > world.Options.LeaseTimeToLive);
        await world.OpenAsync();
        Assert.True(await loop.StepAsync(CancellationToken.None)); // takes the lease, opens epoch 1
        world.EscrowA.PoolsUnreadable = world.EscrowB.PoolsUnreadable = true; // the close's pool read fails
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => loop.RunAsync(stop.Token));

        async Task AdvanceAsync(TimeSpan total)
        {
            for (var passed = TimeSpan.Zero; passed < total;)
            {
                var next = clock.DueTimes.Reader.ReadAsync().AsTask();
                Assert.True(await Task.WhenAny(next, run).WaitAsync(TimeSpan.FromSeconds(30)) == next, "the epoch loop stopped: " + string.Join(" | ", world.Logger.Messages(LeaseLostEvent)));
                var due = await next;
                world.Time.Advance(due);
                passed += due;
            }
        }

        await AdvanceAsync(TimeSpan.FromMinutes(2));
        Assert.Contains(world.Logger.Exceptions, e => e.EventId == StepFailedEvent);
        world.EscrowA.PoolsUnreadable = world.EscrowB.PoolsUnreadable = false;
        await AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Empty(world.Logger.Messages(LeaseLostEvent));
        Assert.NotEmpty(world.Logger.Messages(RecoveredEvent)); // a step went through again, on the same lease
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RunAsync_StoreDown_BacksOffExponentiallyToTheCapLogsTheStackOnceThenResetsOnProgress()
    {
        var world = new NodeWorld();
        world.Options.StepFailureMaxDelay = TimeSpan.FromSeconds(4);
        var clock = new TimerRecordingTimeProvider(world.Time);
        var loop = new EpochLoop(
            world.Store, world.Store, world.Store, world.Feed, world.Events,
            [new NodeChain(NodeWorld.ChainA, world.EscrowA, world.EscrowA), new NodeChain(NodeWorld.ChainB, world.EscrowB, world.EscrowB)],
            world.Options, clock, world.Logger);
        var keeperPeriod = world.Options.LeaseTimeToLive / 3;
        async Task<TimeSpan> NextDelayAsync()
        {
            while (true)
            {
                var due = await clock.DueTimes.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                if (due != keeperPeriod)
                {
                    return due; // the lease keeper's renewal timers are not the loop's delays
                }
            }
        }

        world.Store.Unavailable = () => new TimeoutException("store: timed out");
        using var stop = new CancellationTokenSource();
        var run = Task.Run(() => loop.RunAsync(stop.Token));

        var delays = new List<TimeSpan>();
        for (var failure = 1; failure <= 12; failure++)
        {
            if (failure > 1)
            {
                world.Time.Advance(delays[^1]);
            }

            delays.Add(await NextDelayAsync());
        }

        Assert.Equal(new[] { 0.25, 0.5, 1, 2, 4, 4, 4, 4, 4, 4, 4, 4 }.Select(TimeSpan.FromSeconds), delays);
        var failed = world.Logger.Exceptions.Where(e => e.EventId == StepFailedEvent).ToArray();
        Assert.IsType<TimeoutException>(Assert.Single(failed).Exception);
        // After the first: a line without the stack, only once the delay is at its cap (or every 10th failure).
        var summaries = world.Logger.Exceptions.Where(e => e.EventId == StillFailingEvent).ToArray();
        Assert.Equal(8, summaries.Length); // failures 5 to 12, their delays at the cap
        Assert.All(summaries, e => Assert.Null(e.Exception));
        Assert.Contains(world.Logger.Messages(StillFailingEvent), m => m.Contains("12 consecutive", StringComparison.Ordinal) && m.Contains("store: timed out", StringComparison.Ordinal));

        world.Store.Unavailable = null;
        world.Time.Advance(delays[^1]); // the 13th attempt succeeds: the epoch opens, then the loop polls
        Assert.Equal(world.Options.PollInterval, await NextDelayAsync());
        Assert.Contains(world.Logger.Messages(RecoveredEvent), m => m.Contains("12 consecutive", StringComparison.Ordinal));

        world.Store.Unavailable = () => new TimeoutException("store: timed out again");
        world.Time.Advance(world.Options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(0.25), await NextDelayAsync()); // a new streak starts from the poll interval
        world.Time.Advance(TimeSpan.FromSeconds(0.25));
        Assert.Equal(TimeSpan.FromSeconds(0.5), await NextDelayAsync());
        Assert.Equal(2, world.Logger.Exceptions.Count(e => e.EventId == StepFailedEvent && e.Exception is TimeoutException));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }
}
