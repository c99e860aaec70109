using System.Text.Json;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>A unit-test fake of <see cref="IEventLog"/>: appends once per event id, gapless sequence numbers.</summary>
internal sealed class InMemoryEventLog : IEventLog
{
    private readonly Lock _lock = new();
    private readonly List<LoggedEvent> _events = [];

    public IReadOnlyList<LoggedEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public Task<long> AppendAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var existing = _events.Find(e => e.EventId == integratorEvent.EventId);
            if (existing is not null)
            {
                return Task.FromResult(existing.Sequence);
            }

            var logged = new LoggedEvent(_events.Count + 1, integratorEvent.EventId, integratorEvent.GetType().Name, JsonSerializer.Serialize(integratorEvent, integratorEvent.GetType()));
            _events.Add(logged);
            return Task.FromResult(logged.Sequence);
        }
    }

    public Task<IReadOnlyList<LoggedEvent>> ReadAsync(long afterSequence, int max, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<LoggedEvent>>([.. _events.Where(e => e.Sequence > afterSequence).Take(max)]);
        }
    }

    public Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult((long)_events.Count);
        }
    }

    public Task WaitForAsync(long afterSequence, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The bus tests do not read the log live.");
}
