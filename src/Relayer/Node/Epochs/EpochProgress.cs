using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// One epoch's outcome, raised once it is Margined (the devnet's line per epoch, the benchmark).
/// <see cref="SettleLatency"/> is Closed → Settled from the record's stage times. <see cref="NodeTime"/> is the time
/// the loop spent in its own steps (store, clearing, planning) with <see cref="ChainWait"/> (submitting chunks,
/// their retries, reading escrows) taken out; both cover only the steps this process ran (a restart mid-epoch
/// counts from there).
/// </summary>
internal sealed record EpochSummary(
    ulong EpochId,
    string Trigger,
    int IntentCount,
    int Filled,
    int Refunded,
    int Deferred,
    int Legs,
    int Chunks,
    int ChunksAbandoned,
    TimeSpan SettleLatency,
    TimeSpan NodeTime,
    TimeSpan ChainWait,
    IReadOnlyList<PoolMargin> Pools);

/// <summary>Told of every epoch the loop takes to Margined (at most once per epoch and process; not again after a restart past it).</summary>
internal interface IEpochProgress
{
    /// <summary>Called on the loop's task: keep it short; an exception is logged, never breaks the loop.</summary>
    void EpochMargined(EpochSummary summary);
}

/// <summary>
/// Wall time during which at least one chain call was in flight (chains settle side by side, so overlapping calls
/// count once), on the node's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ChainWaitClock(TimeProvider time)
{
    private readonly Lock _gate = new();
    private int _inFlight;
    private long _startedAt;
    private long _elapsed;

    /// <summary>Total time so far with a chain call in flight (a running one counts up to now).</summary>
    public TimeSpan Elapsed
    {
        get
        {
            lock (_gate)
            {
                var running = _inFlight > 0 ? time.GetElapsedTime(_startedAt).Ticks : 0;
                return TimeSpan.FromTicks(_elapsed + running);
            }
        }
    }

    public async Task<T> WaitAsync<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        Enter();
        try
        {
            return await call().ConfigureAwait(false);
        }
        finally
        {
            Exit();
        }
    }

    private void Enter()
    {
        lock (_gate)
        {
            if (_inFlight++ == 0)
            {
                _startedAt = time.GetTimestamp();
            }
        }
    }

    private void Exit()
    {
        lock (_gate)
        {
            if (--_inFlight == 0)
            {
                _elapsed += time.GetElapsedTime(_startedAt).Ticks;
            }
        }
    }
}
