using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// One epoch's outcome, raised once it is Margined (the devnet's line per epoch, the benchmark).
/// <see cref="SettleLatency"/> is Closed → Settled from the record's stage times. <see cref="NodeTime"/> is the time
/// the loop spent in its own steps (store, clearing, planning) with <see cref="ChainWait"/> (submitting chunks,
/// their retries, reading escrows) taken out; both cover only the steps this process ran (a restart mid-epoch
/// counts from there). <see cref="ClearingTime"/> is the part of <see cref="NodeTime"/> spent in the clearing itself;
/// <see cref="Steps"/> splits <see cref="NodeTime"/> and <see cref="ChainWait"/> by step (close, clear, attest, release,
/// pay, margin). <see cref="LedgerSaves"/> counts the chunk-progress writes (one chunk each) and
/// <see cref="LedgerSaveTime"/> their time (counted in <see cref="NodeTime"/>, or in <see cref="ChainWait"/> for the
/// write made just before a chunk is sent).
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
    IReadOnlyList<PoolMargin> Pools,
    TimeSpan ClearingTime = default,
    IReadOnlyDictionary<string, StepTime>? Steps = null,
    int LedgerSaves = 0,
    TimeSpan LedgerSaveTime = default);

/// <summary>One step's time: the node's own and the waits on chains.</summary>
internal readonly record struct StepTime(TimeSpan Node, TimeSpan Chain);

/// <summary>The time one epoch's steps took in this process, split into the node's own and waits on chains.</summary>
internal sealed class EpochTimes(ulong epochId)
{
    private readonly Dictionary<string, StepTime> _steps = new(StringComparer.Ordinal);
    private readonly Lock _ledgerGate = new();
    private int _ledgerSaves;
    private TimeSpan _ledgerSaveTime;

    public ulong EpochId { get; } = epochId;

    public TimeSpan Node { get; private set; }

    public TimeSpan Chain { get; private set; }

    /// <summary>Time in <c>EpochClearing.Clear</c> (part of <see cref="Node"/>).</summary>
    public TimeSpan Clearing { get; set; }

    public IReadOnlyDictionary<string, StepTime> Steps => _steps;

    /// <summary>Chunk-progress writes (one chunk each), and their time summed (chains write side by side, so it can exceed the wall time).</summary>
    public int LedgerSaves { get { lock (_ledgerGate) { return _ledgerSaves; } } }

    public TimeSpan LedgerSaveTime { get { lock (_ledgerGate) { return _ledgerSaveTime; } } }

    /// <summary>Called by every chain's settling task (they write side by side).</summary>
    public void RecordLedgerSave(TimeSpan elapsed)
    {
        lock (_ledgerGate)
        {
            _ledgerSaves++;
            _ledgerSaveTime += elapsed;
        }
    }

    /// <summary>The name of the step that leaves <paramref name="stage"/>.</summary>
    public static string StepOf(EpochStage stage) => stage switch
    {
        EpochStage.Open => "close",
        EpochStage.Closed => "clear",
        EpochStage.Cleared => "attest",
        EpochStage.Attested => "release",
        EpochStage.Released => "pay",
        EpochStage.Settled => "margin",
        _ => "open",
    };

    public void Add(string step, TimeSpan node, TimeSpan chain)
    {
        Node += node;
        Chain += chain;
        var before = _steps.GetValueOrDefault(step);
        _steps[step] = new StepTime(before.Node + node, before.Chain + chain);
    }
}

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
