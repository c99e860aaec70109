using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Feeds both chains' watchers into one epoch book (in the full relayer the bus sits between them): every
/// <see cref="IntentObserved"/> is added, every <see cref="IntentRetracted"/> taken out, counted per chain.
/// </summary>
internal sealed class EpochBookFeed(EpochBook book) : IChainEventSink
{
    private readonly Dictionary<ChainId, int> _observed = [];
    private readonly Lock _gate = new();

    /// <summary>Intents in the book that chain <paramref name="chainId"/>'s watcher reported.</summary>
    public int Observed(ChainId chainId)
    {
        lock (_gate)
        {
            return _observed.GetValueOrDefault(chainId);
        }
    }

    public Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var added = batch.Observed.Count(observed => book.Add(observed.Intent)) - batch.Retracted.Count(retracted => book.Retract(retracted.IntentId));
        lock (_gate)
        {
            _observed[batch.ChainId] = _observed.GetValueOrDefault(batch.ChainId) + added;
        }

        return Task.CompletedTask;
    }
}
