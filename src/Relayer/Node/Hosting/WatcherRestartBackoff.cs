namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// The wait before a failed chain watcher is restarted: <see cref="FirstDelay"/>, doubling at each failure up to
/// <see cref="MaxDelay"/>, and back to <see cref="FirstDelay"/> once a run lasted <see cref="HealthyRun"/> before it
/// failed (a watcher that failed once a week should not wait the cap because it failed five times since start-up).
/// </summary>
internal sealed class WatcherRestartBackoff(TimeProvider time)
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>A run at least this long counts as healthy: the next failure waits <see cref="FirstDelay"/> again.</summary>
    public static readonly TimeSpan HealthyRun = TimeSpan.FromMinutes(2);

    private TimeSpan _next = FirstDelay;
    private long _runStarted;

    /// <summary>Call when the watcher (re)starts.</summary>
    public void RunStarted() => _runStarted = time.GetTimestamp();

    /// <summary>Call when the run failed: the wait before the restart.</summary>
    public TimeSpan RunFailed()
    {
        if (time.GetElapsedTime(_runStarted) >= HealthyRun)
        {
            _next = FirstDelay;
        }

        var delay = _next;
        _next = TimeSpan.FromTicks(Math.Min(_next.Ticks * 2, MaxDelay.Ticks));
        return delay;
    }
}
