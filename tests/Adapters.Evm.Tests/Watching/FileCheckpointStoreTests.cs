using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Evm.Tests.Watching;

public sealed class FileCheckpointStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("evm-checkpoint-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_NoFile_IsNull() =>
        Assert.Null(await new JsonFileCheckpointStore<WatcherCheckpoint>(Path.Combine(_directory, "none.json")).LoadAsync(CancellationToken.None));

    [Fact]
    public async Task SaveThenLoad_RoundTripsAndLeavesNoTemporaryFiles()
    {
        var path = Path.Combine(_directory, "nested", "chain.json");
        var store = new JsonFileCheckpointStore<WatcherCheckpoint>(path);
        var checkpoint = new WatcherCheckpoint(42, [new ProcessedBlock(40, Bytes32.FromUInt64(40), [Bytes32.FromUInt64(7)]), new ProcessedBlock(41, Bytes32.FromUInt64(41), [])]);
        await store.SaveAsync(checkpoint, CancellationToken.None);
        await store.SaveAsync(checkpoint with { NextBlock = 43 }, CancellationToken.None);

        var loaded = await new JsonFileCheckpointStore<WatcherCheckpoint>(path).LoadAsync(CancellationToken.None);
        Assert.Equal(43UL, loaded!.NextBlock);
        Assert.Equal(Bytes32.FromUInt64(7), loaded.RecentBlocks[0].IntentIds[0]);
        Assert.Equal(["chain.json"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Load_CorruptFile_ThrowsNamingTheFile()
    {
        var path = Path.Combine(_directory, "corrupt.json");
        await File.WriteAllTextAsync(path, "{ not json");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new JsonFileCheckpointStore<WatcherCheckpoint>(path).LoadAsync(CancellationToken.None));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
