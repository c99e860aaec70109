using DiscreteExec.Relayer.Devnet.Traffic;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Devnet.Traffic;

/// <summary>The traffic's pacing on a fake clock: exactly floor(t × rate) intents are due, late batches catch up.</summary>
public sealed class TrafficScheduleTests
{
    [Theory]
    [InlineData(0, 5, 0)]
    [InlineData(199, 5, 0)]
    [InlineData(200, 5, 1)]
    [InlineData(1000, 5, 5)]
    [InlineData(1000, 3, 3)]
    [InlineData(333, 3, 0)]
    [InlineData(334, 3, 1)]
    [InlineData(86_400_000, 10_000, 864_000_000)]
    public void Due_ElapsedMilliseconds_IsFloorOfRateTimesTime(long milliseconds, int perSecond, long expected) =>
        Assert.Equal(expected, TrafficSchedule.Due(TimeSpan.FromMilliseconds(milliseconds), perSecond));

    [Theory]
    [InlineData(1, 3)]
    [InlineData(7, 3)]
    [InlineData(1, 7)]
    [InlineData(1000, 9_999)]
    public void DueAt_EarliestTime_IsWhenTheCountBecomesDue(long count, int perSecond)
    {
        var at = TrafficSchedule.DueAt(count, perSecond);

        Assert.Equal(count, TrafficSchedule.Due(at, perSecond));
        Assert.Equal(count - 1, TrafficSchedule.Due(at - TimeSpan.FromTicks(1), perSecond));
    }

    [Fact]
    public async Task RunAsync_FakeClockAdvances_OpensOnlyWhatIsDue()
    {
        var time = new FakeTimeProvider();
        var opened = new List<int>();
        var secondBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var schedule = new TrafficSchedule(intentsPerSecond: 4, maxBatch: 100, time);
        using var stop = new CancellationTokenSource();
        var run = schedule.RunAsync(null, (count, _) =>
        {
            opened.Add(count);
            if (opened.Count == 1)
            {
                // The generator falls a whole second behind while opening: the four now due come in one batch.
                time.Advance(TimeSpan.FromSeconds(1));
            }
            else
            {
                secondBatch.TrySetResult();
            }

            return Task.CompletedTask;
        }, stop.Token);

        time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.Empty(opened);
        time.Advance(TimeSpan.FromMilliseconds(1));
        await secondBatch.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([1, 4], opened);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task RunAsync_TotalReachedWithBatchLimit_StopsWithExactlyTheTotal()
    {
        var time = new FakeTimeProvider();
        var opened = new List<int>();
        var schedule = new TrafficSchedule(intentsPerSecond: 10, maxBatch: 3, time);
        var run = schedule.RunAsync(8, (count, _) =>
        {
            opened.Add(count);
            return Task.CompletedTask;
        }, default);

        // Ten seconds at once: 100 are due, the total caps it at 8, the batch limit splits it.
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(8, await run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal([3, 3, 2], opened);
    }
}
