using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Bench;

/// <summary>The intake benchmark's stand-in store until the Redis store lands: a concurrent dictionary keyed by intent id.</summary>
internal sealed class InMemoryBenchIntentStore : IIntentStore
{
    private readonly ConcurrentDictionary<Bytes32, StoredIntent> _intents = new();
    private long _arrivals;

    public Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken) =>
        Task.FromResult(_intents.TryAdd(observed.Intent.IntentId, new StoredIntent(observed, IntentStage.Open, null, 0, Interlocked.Increment(ref _arrivals))));

    public Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken) => Task.FromResult(false);

    public Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
        Task.FromResult(_intents.TryGetValue(intentId, out var stored) ? stored : null);

    public Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredIntent>>([.. _intents.Values.OrderBy(i => i.Observed.Intent.IntentId)]);

    public Task<long> OpenCountAsync(CancellationToken cancellationToken) => Task.FromResult((long)_intents.Count);

    public Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The intake benchmark makes no epoch transitions.");

    public Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The intake benchmark takes no intents into epochs.");
}
