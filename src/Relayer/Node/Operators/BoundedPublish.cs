namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// A proposer's manifest publish with a bound: a publish still unconfirmed after
/// <see cref="BoundOf"/> is given up (cancelled, and no longer awaited), so a broker that is down or slow to confirm
/// cannot keep a proposer waiting into later turns and then let it commit to a root when the publish returns.
/// </summary>
internal static class BoundedPublish
{
    private static readonly TimeSpan MaxBound = TimeSpan.FromSeconds(10);

    /// <summary>Half the proposal timeout, at most 10 s: a publish begun at the start of a turn ends inside it.</summary>
    public static TimeSpan BoundOf(TimeSpan proposalTimeout) => proposalTimeout / 2 < MaxBound ? proposalTimeout / 2 : MaxBound;

    /// <summary>
    /// True when the publisher returned within <paramref name="bound"/> (measured on <paramref name="time"/>); false
    /// when the bound ran out first. A publisher that ignores the cancellation is no longer awaited (what it does later
    /// is observed and dropped); its other failures propagate.
    /// </summary>
    public static Task<bool> PublishAsync<T>(IOperatorPublisher publisher, T message, TimeSpan bound, TimeProvider time, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(publisher);
        return WithinAsync(token => publisher.PublishAsync(message, token), bound, time, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="publish"/> with a token cancelled at <paramref name="bound"/>: true when it returned within
    /// the bound, false when the bound ran out first (it is then no longer awaited; a later failure is observed and
    /// dropped). Its other failures, and the caller's cancellation, propagate.
    /// </summary>
    public static async Task<bool> WithinAsync(Func<CancellationToken, Task> publish, TimeSpan bound, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(publish);
        ArgumentNullException.ThrowIfNull(time);
        using var timeout = new CancellationTokenSource(bound, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var published = publish(linked.Token);
        try
        {
            await published.WaitAsync(linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            _ = published.ContinueWith(static p => p.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return false;
        }
    }
}
