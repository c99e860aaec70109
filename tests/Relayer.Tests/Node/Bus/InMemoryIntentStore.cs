using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>A unit-test fake of the intake part of <see cref="IIntentStore"/>; <see cref="Gate"/> can hold every AddAsync back.</summary>
internal sealed class InMemoryIntentStore : IIntentStore
{
    private readonly ConcurrentDictionary<Bytes32, StoredIntent> _intents = new();
    private readonly Lock _waitersLock = new();
    private readonly List<(int Count, TaskCompletionSource Done)> _waiters = [];
    private long _arrivals;

    public TaskCompletionSource Gate { get; set; } = CompletedGate();

    public int AddCalls;

    /// <summary>How many more AddAsync calls fail as an unreachable store would, before they succeed again.</summary>
    public int FailuresLeft;

    public int Count => _intents.Count;

    public async Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref AddCalls);
        await Gate.Task.WaitAsync(cancellationToken);
        if (Interlocked.Decrement(ref FailuresLeft) >= 0)
        {
            throw new InvalidOperationException("store unreachable");
        }

        var added = _intents.TryAdd(observed.Intent.IntentId, new StoredIntent(observed, IntentStage.Open, null, 0, Interlocked.Increment(ref _arrivals)));
        if (added)
        {
            Signal();
        }

        return added;
    }

    public Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken)
    {
        if (_intents.TryGetValue(retracted.IntentId, out var stored) && stored.Stage == IntentStage.Open)
        {
            return Task.FromResult(_intents.TryUpdate(retracted.IntentId, stored with { Stage = IntentStage.Retracted }, stored));
        }

        return Task.FromResult(false);
    }

    public Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
        Task.FromResult(_intents.TryGetValue(intentId, out var stored) ? stored : null);

    public Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredIntent>>([.. _intents.Values.Where(i => i.Stage == IntentStage.Open).OrderBy(i => i.Observed.Intent.IntentId)]);

    public Task<long> OpenCountAsync(CancellationToken cancellationToken) =>
        Task.FromResult((long)_intents.Values.Count(i => i.Stage == IntentStage.Open));

    public Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Intake tests make no epoch transitions.");

    public Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Intake tests take no intents into epochs.");

    /// <summary>Completes once at least <paramref name="count"/> distinct intents are stored.</summary>
    public Task WaitForCountAsync(int count)
    {
        lock (_waitersLock)
        {
            if (_intents.Count >= count)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, done));
            return done.Task;
        }
    }

    private void Signal()
    {
        lock (_waitersLock)
        {
            foreach (var waiter in _waiters.Where(w => _intents.Count >= w.Count).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }
}
