using DiscreteExec.Relayer.Node.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Hosting;

public sealed class WatcherRestartBackoffTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void RunFailed_RepeatedQuickFailures_DoublesUpToTheCap()
    {
        var backoff = new WatcherRestartBackoff(_time);

        var delays = Enumerable.Range(0, 7).Select(_ => FailAfter(backoff, TimeSpan.FromSeconds(1))).ToArray();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays.Select(d => d.TotalSeconds));
    }

    [Fact]
    public void RunFailed_AfterAHealthyRun_StartsAgainFromTheFirstDelay()
    {
        var backoff = new WatcherRestartBackoff(_time);
        for (var i = 0; i < 6; i++)
        {
            FailAfter(backoff, TimeSpan.FromSeconds(1));
        }

        var afterHealthyRun = FailAfter(backoff, WatcherRestartBackoff.HealthyRun);
        var next = FailAfter(backoff, TimeSpan.FromSeconds(1));

        Assert.Equal(WatcherRestartBackoff.FirstDelay, afterHealthyRun);
        Assert.Equal(WatcherRestartBackoff.FirstDelay * 2, next);
    }

    [Fact]
    public void RunFailed_RunJustShorterThanHealthy_KeepsDoubling()
    {
        var backoff = new WatcherRestartBackoff(_time);
        FailAfter(backoff, TimeSpan.FromSeconds(1));
        FailAfter(backoff, TimeSpan.FromSeconds(1));

        var delay = FailAfter(backoff, WatcherRestartBackoff.HealthyRun - TimeSpan.FromSeconds(1));

        Assert.Equal(TimeSpan.FromSeconds(4), delay);
    }

    private TimeSpan FailAfter(WatcherRestartBackoff backoff, TimeSpan ranFor)
    {
        backoff.RunStarted();
        _time.Advance(ranFor);
        return backoff.RunFailed();
    }
}
