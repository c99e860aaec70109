namespace DiscreteExec.Chains.Checkpoints;

/// <summary>Persists a watcher's checkpoint between runs (each adapter has its own checkpoint record).</summary>
public interface ICheckpointStore<T>
    where T : class
{
    /// <summary>The last saved checkpoint, or null when the watcher never ran.</summary>
    Task<T?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Saves atomically: after a crash the store holds either the previous or the new checkpoint, never a mix.</summary>
    Task SaveAsync(T checkpoint, CancellationToken cancellationToken);
}

/// <summary>A checkpoint held in memory: tests, the one-shot devnet scenario, or a host that keeps it elsewhere.</summary>
public sealed class InMemoryCheckpointStore<T> : ICheckpointStore<T>
    where T : class
{
    private T? _checkpoint;

    /// <summary>The last saved checkpoint.</summary>
    public T? Saved => Volatile.Read(ref _checkpoint);

    public Task<T?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Saved);

    public Task SaveAsync(T checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Volatile.Write(ref _checkpoint, checkpoint);
        return Task.CompletedTask;
    }
}
