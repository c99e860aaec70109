using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Core;

namespace DiscreteExec.Chains.Tests.Checkpoints;

public sealed class JsonFileCheckpointStoreTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-checkpoints-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_NoFile_ReturnsNull() =>
        Assert.Null(await new JsonFileCheckpointStore<Cursor>(Path.Combine(_directory, "none.json")).LoadAsync(CancellationToken.None));

    [Fact]
    public async Task Save_ThenLoadInANewStore_RoundTripsWithCoreTypesAsHex()
    {
        var path = Path.Combine(_directory, "nested", "evm-1.json");
        var saved = new Cursor(41, Bytes32.FromUInt64(41), "sig");
        await new JsonFileCheckpointStore<Cursor>(path).SaveAsync(saved, CancellationToken.None);

        Assert.Equal(saved, await new JsonFileCheckpointStore<Cursor>(path).LoadAsync(CancellationToken.None));
        Assert.Contains(Bytes32.FromUInt64(41).ToString(), await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Save_ReplacesTheOldCheckpointAndLeavesNoTemporaryFile()
    {
        var path = Path.Combine(_directory, "cursor.json");
        var store = new JsonFileCheckpointStore<Cursor>(path);
        await store.SaveAsync(new Cursor(1, Bytes32.FromUInt64(1), "a"), CancellationToken.None);
        await store.SaveAsync(new Cursor(2, Bytes32.FromUInt64(2), "b"), CancellationToken.None);

        Assert.Equal(new Cursor(2, Bytes32.FromUInt64(2), "b"), await store.LoadAsync(CancellationToken.None));
        Assert.Equal(["cursor.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Save_SerializerFails_KeepsTheOldCheckpointIntactAndRemovesTheTemporaryFile()
    {
        var path = Path.Combine(_directory, "cursor.json");
        var store = new JsonFileCheckpointStore<object>(path);
        await store.SaveAsync(new Cursor(1, Bytes32.FromUInt64(1), "a"), CancellationToken.None);
        var before = await File.ReadAllTextAsync(path);

        // A value the serializer refuses halfway through: the rename never happens.
        await Assert.ThrowsAnyAsync<Exception>(() => store.SaveAsync(new Unwritable(), CancellationToken.None));

        Assert.Equal(before, await File.ReadAllTextAsync(path));
        Assert.Equal(["cursor.json"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Load_CorruptFile_ThrowsInvalidDataNamingTheFile()
    {
        var path = Path.Combine(_directory, "cursor.json");
        await File.WriteAllTextAsync(path, """{"Height": 7, "Hash": "not hex""");

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new JsonFileCheckpointStore<Cursor>(path).LoadAsync(CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(Cursor), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Load_EmptyFile_ThrowsInvalidDataNamingTheFile()
    {
        var path = Path.Combine(_directory, "cursor.json");
        await File.WriteAllTextAsync(path, string.Empty);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => new JsonFileCheckpointStore<Cursor>(path).LoadAsync(CancellationToken.None));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InMemory_SaveThenLoad_ReturnsTheLastSaved()
    {
        var store = new InMemoryCheckpointStore<Cursor>();
        Assert.Null(await store.LoadAsync(CancellationToken.None));
        await store.SaveAsync(new Cursor(3, Bytes32.FromUInt64(3), "c"), CancellationToken.None);
        Assert.Equal(new Cursor(3, Bytes32.FromUInt64(3), "c"), await store.LoadAsync(CancellationToken.None));
    }

    public sealed record Cursor(ulong Height, Bytes32 Hash, string Signature);

    public sealed class Unwritable
    {
        private readonly string _first = "written";

        public string First => _first;

        public string Second => _first.Length > 0 ? throw new InvalidOperationException("cannot serialize") : _first;
    }
}
