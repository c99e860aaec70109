namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>
/// Paces the opening of intents at a fixed rate on a <see cref="TimeProvider"/>: after an elapsed time t, exactly
/// floor(t × rate) intents are due (integer ticks, no floating point); a late start catches up in batches.
/// </summary>
internal sealed class TrafficSchedule(int intentsPerSecond, int maxBatch, TimeProvider time)
{
    /// <summary>How many intents are due after <paramref name="elapsed"/> at <paramref name="perSecond"/>.</summary>
    public static long Due(TimeSpan elapsed, int perSecond) =>
        elapsed <= TimeSpan.Zero ? 0 : (long)(((Int128)elapsed.Ticks * perSecond) / TimeSpan.TicksPerSecond);

    /// <summary>The earliest elapsed time at which intent number <paramref name="count"/> is due (rounded up to a tick).</summary>
    public static TimeSpan DueAt(long count, int perSecond) =>
        TimeSpan.FromTicks((long)((((Int128)count * TimeSpan.TicksPerSecond) + perSecond - 1) / perSecond));

    /// <summary>
    /// Calls <paramref name="open"/> with the number of intents due (at most the batch size) until
    /// <paramref name="total"/> were opened (null: until cancelled); waits on the time provider in between.
    /// Returns how many were opened.
    /// </summary>
    public async Task<long> RunAsync(long? total, Func<int, CancellationToken, Task> open, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(open);
        var started = time.GetTimestamp();
        var opened = 0L;
        while (total is null || opened < total)
        {
            var elapsed = time.GetElapsedTime(started);
            var due = Due(elapsed, intentsPerSecond);
            if (total is { } limit)
            {
                due = Math.Min(due, limit);
            }

            if (due > opened)
            {
                var count = (int)Math.Min(due - opened, maxBatch);
                await open(count, cancellationToken).ConfigureAwait(false);
                opened += count;
                continue;
            }

            await Task.Delay(DueAt(opened + 1, intentsPerSecond) - elapsed, time, cancellationToken).ConfigureAwait(false);
        }

        return opened;
    }
}
