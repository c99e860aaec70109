using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>A checkpoint kept in memory (what a restart would lose; the file store is tested separately).</summary>
public sealed class InMemoryCheckpointStore : ICheckpointStore<WatcherCheckpoint>
{
    public WatcherCheckpoint? Saved { get; private set; }

    public int Saves { get; private set; }

    public Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Saved);

    public Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Saved = checkpoint;
        Saves++;
        return Task.CompletedTask;
    }
}
