using System.Collections.Concurrent;
using System.Threading.Channels;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Samples.BusSubscriber;

/// <summary>
/// What the sample integrator keeps: each intent's outcome, once. The bus delivers at least once and a node that
/// replays a step publishes its events again with the same event id, so the journal records an event id only the
/// first time it sees it and counts the duplicates it dropped.
/// </summary>
public sealed class SettlementJournal
{
    private readonly ConcurrentDictionary<string, byte> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Bytes32, string> _outcomes = new();
    private readonly Channel<Delivery> _deliveries = Channel.CreateUnbounded<Delivery>();
    private int _duplicates;

    /// <summary>Each intent's outcome: <c>settled {amount} on {chain} in epoch {id}</c> or <c>refunded …</c>.</summary>
    public IReadOnlyDictionary<Bytes32, string> Outcomes => _outcomes;

    /// <summary>How many deliveries repeated an event id already recorded.</summary>
    public int Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Every delivery in the order it arrived, each marked first-seen or duplicate.</summary>
    public ChannelReader<Delivery> Deliveries => _deliveries.Reader;

    /// <summary>Records the event once; false for a duplicate.</summary>
    public bool Record(IIntegratorEvent integratorEvent)
    {
        ArgumentNullException.ThrowIfNull(integratorEvent);
        if (!_seen.TryAdd(integratorEvent.EventId, 0))
        {
            Interlocked.Increment(ref _duplicates);
            _deliveries.Writer.TryWrite(new Delivery(integratorEvent, IsDuplicate: true));
            return false;
        }

        switch (integratorEvent)
        {
            case IntentSettled settled:
                _outcomes[settled.IntentId] = $"settled {settled.Amount} on chain {settled.DestinationChainId} in epoch {settled.EpochId} (tx {settled.TransactionId})";
                break;
            case IntentRefunded refunded:
                _outcomes[refunded.IntentId] = $"refunded {refunded.Amount} on chain {refunded.OriginChainId} in epoch {refunded.EpochId}: {refunded.Reason}";
                break;
        }

        _deliveries.Writer.TryWrite(new Delivery(integratorEvent, IsDuplicate: false));
        return true;
    }
}

/// <summary>One delivery of an event to the journal.</summary>
public sealed record Delivery(IIntegratorEvent Event, bool IsDuplicate);
