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

/// <summary>The EVM watcher's checkpoint for a devnet that lives as long as the process.</summary>
internal sealed class InMemoryEvmCheckpointStore : Adapters.Evm.Watching.IWatcherCheckpointStore
{
    private Adapters.Evm.Watching.WatcherCheckpoint? _checkpoint;

    public Task<Adapters.Evm.Watching.WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Volatile.Read(ref _checkpoint));

    public Task SaveAsync(Adapters.Evm.Watching.WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _checkpoint, checkpoint);
        return Task.CompletedTask;
    }
}
