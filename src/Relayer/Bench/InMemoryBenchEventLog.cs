using System.Collections.Concurrent;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Bench;

/// <summary>The intake benchmark's stand-in event log until the Redis store lands: sequence numbers by event id.</summary>
internal sealed class InMemoryBenchEventLog : IEventLog
{
    private readonly ConcurrentDictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private long _head;

    public Task<long> AppendAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken) =>
        Task.FromResult(_sequences.GetOrAdd(integratorEvent.EventId, _ => Interlocked.Increment(ref _head)));

    public Task<IReadOnlyList<LoggedEvent>> ReadAsync(long afterSequence, int max, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The intake benchmark only appends.");

    public Task<long> HeadAsync(CancellationToken cancellationToken) => Task.FromResult(Interlocked.Read(ref _head));

    public Task WaitForAsync(long afterSequence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The intake benchmark only appends.");
}
