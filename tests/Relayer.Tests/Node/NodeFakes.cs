using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node;

/// <summary>A simulated process death: the token the loop runs under is cancelled and the current call throws.</summary>
internal sealed class Crash : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CancellationToken Token => _source.Token;

    public Exception Now()
    {
        _source.Cancel();
        return new OperationCanceledException("simulated crash", _source.Token);
    }

    public void Dispose() => _source.Dispose();
}

/// <summary>The node store in memory (intents, epochs, blobs, lease), with a hook that crashes before the n-th write.</summary>
internal sealed class InMemoryNodeStore : IIntentStore, IEpochStore, INodeLease
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<Bytes32, StoredIntent> _intents = [];
    private readonly SortedDictionary<ulong, EpochRecord> _epochs = [];
    private readonly Dictionary<(ulong, string), byte[]> _blobs = [];
    private readonly Dictionary<(ulong EpochId, uint Round), Bytes32> _roots = [];
    private long _fence;
    private long _arrival;
    private string? _leaseHolder;
    private DateTimeOffset _leaseExpiresAt;

    /// <summary>Writes so far (each fenced write counts one).</summary>
    public int Writes { get; private set; }

    /// <summary>When set: the write with this number (1-based) crashes instead of applying.</summary>
    public (int Write, Crash Crash)? CrashAt { get; set; }

    public bool LeaseLost { get; set; }

    /// <summary>When set: every lease call and read of the current epoch throws it (the store is down).</summary>
    public Func<Exception>? Unavailable { get; set; }

    /// <summary>When set, the lease behaves like the store's: held by one node until its time to live runs out on this clock.</summary>
    public TimeProvider? LeaseClock { get; set; }

    /// <summary>Renewals report the lease lost (as after an expiry), while fenced writes would still be accepted.</summary>
    public bool RenewalsRefused { get; set; }

    /// <summary>Renewals so far.</summary>
    public int Renewals { get; private set; }

    public IReadOnlyList<EpochRecord> Records { get { lock (_gate) { return [.. _epochs.Values]; } } }

    public byte[]? Blob(ulong epochId, string name) { lock (_gate) { return _blobs.GetValueOrDefault((epochId, name)); } }

    public StoredIntent Intent(Bytes32 id) { lock (_gate) { return _intents[id]; } }

    public Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_intents.TryAdd(observed.Intent.IntentId, new StoredIntent(observed, IntentStage.Open, null, 0, ++_arrival)));
        }
    }

    /// <summary>Runs just before a take checks and moves its intents (a watcher's retraction racing the close).</summary>
    public Action? BeforeTake { get; set; }

    public Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_intents.GetValueOrDefault(retracted.IntentId) is not { Stage: IntentStage.Open } stored)
            {
                // Held while an epoch holds the intent (this fake keeps no blocks: every retraction is of its block).
                if (_intents.GetValueOrDefault(retracted.IntentId) is { Stage: IntentStage.InEpoch } inEpoch)
                {
                    _intents[retracted.IntentId] = inEpoch with { RetractionHeld = true };
                }

                return Task.FromResult(false);
            }

            _intents[retracted.IntentId] = stored with { Stage = IntentStage.Retracted };
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken)
    {
        BeforeTake?.Invoke();
        lock (_gate)
        {
            Write(fence);
            var taken = intentIds.Where(id => _intents.GetValueOrDefault(id)?.Stage == IntentStage.Open).ToArray();
            foreach (var id in taken)
            {
                _intents[id] = _intents[id] with { Stage = IntentStage.InEpoch, EpochId = epochId };
            }

            return Task.FromResult<IReadOnlyList<Bytes32>>(taken);
        }
    }

    public Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_intents.GetValueOrDefault(intentId));
        }
    }

    public Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<StoredIntent>>([.. _intents.Values.Where(i => i.Stage == IntentStage.Open)]);
        }
    }

    public Task<long> OpenCountAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult((long)_intents.Values.Count(i => i.Stage == IntentStage.Open));
        }
    }

    public Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Write(fence);
            foreach (var t in transitions)
            {
                var stored = _intents[t.IntentId];
                (IntentStage Stage, ulong? EpochId) target = t.Stage == IntentStage.Open && stored.RetractionHeld ? (IntentStage.Retracted, null) : (t.Stage, t.EpochId);
                _intents[t.IntentId] = stored with { Stage = target.Stage, EpochId = target.EpochId, TimesDeferred = stored.TimesDeferred + (t.Deferred ? 1 : 0), RetractionHeld = false };
            }
        }

        return Task.CompletedTask;
    }

    public Task<EpochRecord?> CurrentAsync(CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        lock (_gate)
        {
            return Task.FromResult(_epochs.Count == 0 ? null : _epochs.Values.Last());
        }
    }

    public Task<EpochRecord?> GetAsync(ulong epochId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_epochs.GetValueOrDefault(epochId));
        }
    }

    public Task SaveAsync(EpochRecord record, LeaseToken fence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Write(fence);
            _epochs[record.EpochId] = record;
        }

        return Task.CompletedTask;
    }

    public Task SaveChunkAsync(ulong epochId, ChunkProgress progress, LeaseToken fence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Write(fence);
            var record = _epochs[epochId];
            var listed = record.Chunks.Any(c => c.ChainId == progress.ChainId && c.Index == progress.Index);
            _epochs[epochId] = record with
            {
                Chunks = listed ? [.. record.Chunks.Select(c => c.ChainId == progress.ChainId && c.Index == progress.Index ? progress : c)] : [.. record.Chunks, progress],
            };
        }

        return Task.CompletedTask;
    }

    public Task SaveBlobAsync(ulong epochId, string name, ReadOnlyMemory<byte> content, LeaseToken fence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Write(fence);
            if (_blobs.TryGetValue((epochId, name), out var existing) && !existing.AsSpan().SequenceEqual(content.Span))
            {
                throw new InvalidOperationException($"Blob {name} of epoch {epochId} is write-once and differs.");
            }

            _blobs[(epochId, name)] = content.ToArray();
        }

        return Task.CompletedTask;
    }

    public Task<byte[]?> GetBlobAsync(ulong epochId, string name, CancellationToken cancellationToken) => Task.FromResult(Blob(epochId, name));

    public Task<Bytes32> ChooseRootOnceAsync(ulong epochId, Bytes32 batchRoot, CancellationToken cancellationToken) =>
        ChooseRootOnceAsync(epochId, 0, batchRoot, cancellationToken);

    public Task<Bytes32?> ChosenRootAsync(ulong epochId, CancellationToken cancellationToken) => ChosenRootAsync(epochId, 0, cancellationToken);

    public Task<Bytes32> ChooseRootOnceAsync(ulong epochId, uint round, Bytes32 batchRoot, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Count();
            _roots.TryAdd((epochId, round), batchRoot);
            return Task.FromResult(_roots[(epochId, round)]);
        }
    }

    public Task<Bytes32?> ChosenRootAsync(ulong epochId, uint round, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<Bytes32?>(_roots.TryGetValue((epochId, round), out var root) ? root : null);
        }
    }

    public Task<LeaseToken?> TryAcquireAsync(string nodeId, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        lock (_gate)
        {
            if (LeaseLost || (LeaseClock is { } clock && _leaseHolder is { } holder && holder != nodeId && clock.GetUtcNow() < _leaseExpiresAt))
            {
                return Task.FromResult<LeaseToken?>(null);
            }

            _leaseHolder = nodeId;
            _leaseExpiresAt = LeaseClock?.GetUtcNow() + timeToLive ?? default;
            return Task.FromResult<LeaseToken?>(new LeaseToken(nodeId, ++_fence));
        }
    }

    public Task<bool> RenewAsync(LeaseToken token, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ThrowIfUnavailable();
        lock (_gate)
        {
            Renewals++;
            if (LeaseLost || RenewalsRefused || token.Fence != _fence || (LeaseClock is { } clock && clock.GetUtcNow() >= _leaseExpiresAt))
            {
                return Task.FromResult(false);
            }

            _leaseExpiresAt = LeaseClock?.GetUtcNow() + timeToLive ?? default;
            return Task.FromResult(true);
        }
    }

    public Task ReleaseAsync(LeaseToken token, CancellationToken cancellationToken) => Task.CompletedTask;

    private void ThrowIfUnavailable()
    {
        if (Unavailable is { } unavailable)
        {
            throw unavailable();
        }
    }

    private void Write(LeaseToken fence)
    {
        if (LeaseLost || fence.Fence != _fence)
        {
            throw new LeaseLostException($"fence {fence.Fence} is stale");
        }

        Count();
    }

    private void Count()
    {
        Writes++;
        if (CrashAt is { } crash && crash.Write == Writes)
        {
            throw crash.Crash.Now();
        }
    }
}

/// <summary>One chain's escrow in memory: intents it holds, pools, paid markers, applied chunks; the submitter and the state reader share it.</summary>
internal sealed class FakeEscrow(ChainId chainId) : IEscrowState, IChunkSubmitter
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Bytes32, (EscrowIntentState State, Intent Intent)> _intents = [];
    private readonly Dictionary<Bytes32, UInt256> _pools = [];
    private readonly List<(ulong Height, Bytes32 Token, UInt256 Balance)> _poolHistory = [];
    private readonly HashSet<(ulong, uint)> _applied = [];

    /// <summary>The chain's height now: every pool change is recorded at it (a cursor at or above it sees the change).</summary>
    public ulong Height { get; set; }

    public ChainId ChainId => chainId;

    public ChainKind Kind => ChainKind.Evm;

    public ChunkLimits Limits { get; init; } = new(2, 2);

    /// <summary>Every chunk applied on every escrow that shares this journal, in order.</summary>
    public List<SettlementChunk> Journal { get; init; } = [];

    /// <summary>How often each source intent was paid here (a second payout is a bug the test must catch).</summary>
    public ConcurrentDictionary<Bytes32, int> Payouts { get; } = new();

    public Func<SettlementChunk, bool> Fails { get; set; } = _ => false;

    /// <summary>Runs at every submission before anything else (a test advances its fake clock here: the chain's time).</summary>
    public Action OnSubmit { get; set; } = () => { };

    /// <summary>When true for a chunk: it is applied (once), then every attempt's reply is lost (an RPC timeout).</summary>
    public Func<SettlementChunk, bool> LosesReply { get; set; } = _ => false;

    /// <summary>When true: the escrow's intent state cannot be read (the RPC is down).</summary>
    public bool StateUnreadable { get; set; }

    /// <summary>When it returns a crash: the chunk is applied, then the reply is lost with the process.</summary>
    public Func<SettlementChunk, Crash?> CrashAfterApply { get; set; } = _ => null;

    public void Open(Intent intent)
    {
        lock (_gate)
        {
            _intents.Add(intent.IntentId, (EscrowIntentState.Open, intent));
        }
    }

    public void Fund(Bytes32 token, UInt256 amount)
    {
        lock (_gate)
        {
            SetPool(token, _pools.GetValueOrDefault(token) + amount);
        }
    }

    private void SetPool(Bytes32 token, UInt256 balance)
    {
        _pools[token] = balance;
        _poolHistory.Add((Height, token, balance));
    }

    /// <summary>How often each intent's state was read (<see cref="IntentStateAsync"/>).</summary>
    public ConcurrentDictionary<Bytes32, int> StateReads { get; } = new();

    /// <summary>The intent's state; <see cref="EscrowIntentState.Unknown"/> for a deposit this escrow never had.</summary>
    public EscrowIntentState StateOf(Bytes32 intentId) { lock (_gate) { return _intents.TryGetValue(intentId, out var entry) ? entry.State : EscrowIntentState.Unknown; } }

    public Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return PoolsUnreadable ? throw new TimeoutException($"chain {chainId}: pool read timed out") : Task.FromResult(_pools.GetValueOrDefault(token));
        }
    }

    /// <summary>When true: the pools cannot be read (the RPC is down); the close's clearing input fails.</summary>
    public bool PoolsUnreadable { get; set; }

    /// <summary>The balance after the last change recorded at or below the cursor's height (an EVM read at that block).</summary>
    public Task<UInt256> PoolBalanceAtAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_poolHistory.LastOrDefault(c => c.Token == token && c.Height <= cursor.Height).Balance);
        }
    }

    public Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        StateReads.AddOrUpdate(intentId, 1, (_, reads) => reads + 1);
        return StateUnreadable ? throw new TimeoutException($"chain {chainId}: state read timed out") : Task.FromResult(StateOf(intentId));
    }

    public Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
        StateUnreadable ? throw new TimeoutException($"chain {chainId}: state read timed out") : Task.FromResult(Payouts.ContainsKey(intentId));

    public Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_applied.Count == 0 ? 0 : _applied.Max(a => a.Item1));
        }
    }

    /// <summary>Marks an intent released or refunded as an earlier node's settlement did, outside this test's node.</summary>
    public void SettleElsewhere(Bytes32 intentId, EscrowIntentState state)
    {
        lock (_gate)
        {
            _intents[intentId] = (state, _intents[intentId].Intent);
        }
    }

    /// <summary>Records (epoch, chunk) as applied by an earlier node.</summary>
    public void AppliedElsewhere(ulong epochId, uint chunk)
    {
        lock (_gate)
        {
            _applied.Add((epochId, chunk));
        }
    }

    public Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        OnSubmit();
        if (Fails(chunk))
        {
            throw new InvalidOperationException($"chunk {chunk.Index} on chain {chainId} reverted");
        }

        lock (_gate)
        {
            if (!_applied.Add((chunk.EpochId, chunk.Index)))
            {
                if (LosesReply(chunk))
                {
                    throw new TimeoutException($"chunk {chunk.Index} on chain {chainId}: reply lost");
                }

                return Task.FromResult(new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.AlreadyApplied, null));
            }

            foreach (var action in chunk.Actions)
            {
                Apply(action);
            }

            lock (Journal)
            {
                Journal.Add(chunk);
            }
        }

        if (CrashAfterApply(chunk) is { } crash)
        {
            throw crash.Now();
        }

        if (LosesReply(chunk))
        {
            throw new TimeoutException($"chunk {chunk.Index} on chain {chainId}: reply lost");
        }

        return Task.FromResult(new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.Applied, $"tx-{chainId}-{chunk.EpochId}-{chunk.Index}"));
    }

    private void Apply(SettlementAction action)
    {
        switch (action.Kind)
        {
            case ActionKind.Release:
            case ActionKind.Refund:
                var (state, intent) = _intents[action.IntentId];
                if (state != EscrowIntentState.Open)
                {
                    throw new InvalidOperationException($"intent {action.IntentId} is {state}, not Open");
                }

                _intents[action.IntentId] = (action.Kind == ActionKind.Release ? EscrowIntentState.Released : EscrowIntentState.Refunded, intent);
                if (action.Kind == ActionKind.Release)
                {
                    SetPool(intent.InputToken, _pools.GetValueOrDefault(intent.InputToken) + intent.InputAmount);
                }

                break;
            case ActionKind.Payout:
                var balance = _pools.GetValueOrDefault(action.Token);
                if (balance < action.Amount)
                {
                    throw new InvalidOperationException($"pool {action.Token} holds {balance}, cannot pay {action.Amount}");
                }

                SetPool(action.Token, balance - action.Amount);
                Payouts.AddOrUpdate(action.IntentId, 1, (_, n) => n + 1);
                break;
            default:
                throw new NotSupportedException(action.Kind.ToString());
        }
    }
}

/// <summary>Records every event published (duplicates included: the ids show them).</summary>
internal sealed class RecordingPublisher : IIntegratorEventPublisher
{
    public ConcurrentQueue<IIntegratorEvent> All { get; } = new();

    public IReadOnlyList<T> Distinct<T>() where T : IIntegratorEvent => [.. All.OfType<T>().DistinctBy(e => e.EventId)];

    public Task PublishAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken)
    {
        All.Enqueue(integratorEvent);
        return Task.CompletedTask;
    }
}

/// <summary>A settable feed; <see cref="Stale"/> makes it refuse like a feed past its maximum age.</summary>
internal sealed class SettablePriceFeed(TimeProvider time) : IPriceFeed
{
    public Dictionary<string, UInt256> Prices { get; } = new(StringComparer.Ordinal);

    public bool Stale { get; set; }

    public Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken) =>
        Stale
            ? throw new PriceUnavailableException(Prices.Keys.First(), "older than the maximum age")
            : Task.FromResult<IReadOnlyList<ReferencePrice>>([.. Prices.Select(p => new ReferencePrice(p.Key, p.Value, "test", time.GetUtcNow()))]);
}

/// <summary>Keeps every log entry (level, event id, formatted message) so tests can check what an operator would see.</summary>
internal sealed class RecordingLogger<T> : Microsoft.Extensions.Logging.ILogger<T>
{
    public ConcurrentQueue<(Microsoft.Extensions.Logging.LogLevel Level, int EventId, string Message)> Entries { get; } = new();

    /// <summary>The exception logged with each entry (null: none), by event id.</summary>
    public ConcurrentQueue<(int EventId, Exception? Exception)> Exceptions { get; } = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Exceptions.Enqueue((eventId.Id, exception));
        Entries.Enqueue((logLevel, eventId.Id, formatter(state, exception)));
    }

    public string[] Messages(int eventId) => [.. Entries.Where(e => e.EventId == eventId).Select(e => e.Message)];
}

/// <summary>Listens to one of the node's long gauges, keeping the last and the highest value per chain for one node id.</summary>
internal sealed class NodeGaugeReadings : IDisposable
{
    private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
    private readonly ConcurrentDictionary<ulong, (long Last, long Max)> _readings = new();

    public NodeGaugeReadings(string instrument, string nodeId)
    {
        _listener.InstrumentPublished = (i, listener) =>
        {
            if (i.Meter.Name == DiscreteExec.Relayer.Node.Epochs.NodeTelemetry.Name && i.Name == instrument)
            {
                listener.EnableMeasurementEvents(i);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? node = null;
            ulong? chain = null;
            foreach (var tag in tags)
            {
                node = tag.Key == "node" ? tag.Value as string : node;
                chain = tag.Key == "chain" ? tag.Value as ulong? : chain;
            }

            if (node == nodeId && chain is { } c)
            {
                _readings.AddOrUpdate(c, (value, value), (_, r) => (value, Math.Max(r.Max, value)));
            }
        });
        _listener.Start();
    }

    public (long Last, long Max) Of(ChainId chainId) => _readings.GetValueOrDefault(chainId.Value);

    public void Dispose() => _listener.Dispose();
}

/// <summary>Keeps every epoch summary the loop reports.</summary>
internal sealed class RecordingEpochProgress : DiscreteExec.Relayer.Node.Epochs.IEpochProgress
{
    public ConcurrentQueue<DiscreteExec.Relayer.Node.Epochs.EpochSummary> Summaries { get; } = new();

    public void EpochMargined(DiscreteExec.Relayer.Node.Epochs.EpochSummary summary) => Summaries.Enqueue(summary);
}

/// <summary>The fake clock, telling the due time of every timer created on it (a delay's length) as it is created.</summary>
internal sealed class TimerRecordingTimeProvider(Microsoft.Extensions.Time.Testing.FakeTimeProvider inner) : TimeProvider
{
    public global::System.Threading.Channels.Channel<TimeSpan> DueTimes { get; } = global::System.Threading.Channels.Channel.CreateUnbounded<TimeSpan>();

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        DueTimes.Writer.TryWrite(dueTime);
        return timer;
    }
}
