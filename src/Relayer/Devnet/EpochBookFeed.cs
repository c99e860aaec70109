using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Feeds both chains' watchers into one epoch book (in the full relayer the bus sits between them): every
/// <see cref="IntentObserved"/> is added, every <see cref="IntentRetracted"/> taken out, counted per chain.
/// </summary>
internal sealed class EpochBookFeed(EpochBook book) : IEscrowEventSink
{
    private int _evmObserved;
    private int _solanaObserved;

    public int EvmObserved => Volatile.Read(ref _evmObserved);

    public int SolanaObserved => Volatile.Read(ref _solanaObserved);

    /// <summary>The EVM watcher's batches.</summary>
    public Task HandleAsync(EscrowWatchBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        foreach (var observed in batch.Observed)
        {
            if (book.Add(observed.Intent))
            {
                Interlocked.Increment(ref _evmObserved);
            }
        }

        foreach (var retracted in batch.Retracted)
        {
            if (book.Retract(retracted.IntentId))
            {
                Interlocked.Decrement(ref _evmObserved);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The Solana watcher's callback.</summary>
    public ValueTask OnSolanaIntentAsync(IntentObserved observed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observed);
        if (book.Add(observed.Intent))
        {
            Interlocked.Increment(ref _solanaObserved);
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>The EVM watcher's checkpoint for a devnet that lives as long as the process.</summary>
internal sealed class InMemoryEvmCheckpointStore : IWatcherCheckpointStore
{
    private WatcherCheckpoint? _checkpoint;

    public Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Volatile.Read(ref _checkpoint));

    public Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _checkpoint, checkpoint);
        return Task.CompletedTask;
    }
}
