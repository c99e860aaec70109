using System.Text.Json;

namespace DiscreteExec.Adapters.Solana.Watching;

/// <summary>
/// How far the watcher got: the newest program transaction it has fully processed (the <c>until</c> bound of the
/// next poll) and the next deposit nonce: every nonce below it was reported (the highest contiguous nonce + 1; the
/// watcher closes a gap before it reports a nonce above it). Nonces are assigned by the program in execution order, so
/// the nonce mark keeps reporting exactly-once even if the node no longer knows <see cref="LastSignature"/>, and a
/// restart re-checks any gap against the escrow's deposit counter.
/// </summary>
public sealed record WatcherCheckpoint(string? LastSignature, ulong LastSlot, ulong NextNonce)
{
    public static WatcherCheckpoint Start { get; } = new(null, 0, 0);
}

/// <summary>Persists the watcher's checkpoint between runs.</summary>
public interface IWatcherCheckpointStore
{
    Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken);

    Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken);
}

/// <summary>
/// A checkpoint in a JSON file, replaced atomically: written to a temporary file in the same directory, flushed to
/// disk, then renamed over the old one, so a crash leaves either the old or the new checkpoint, never half of one.
/// </summary>
public sealed class FileWatcherCheckpointStore(string path) : IWatcherCheckpointStore
{
    private readonly string _path = Path.GetFullPath(path);

    public async Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(_path))
        {
            return null;
        }

        var stream = File.OpenRead(_path);
        await using (stream.ConfigureAwait(false))
        {
            try
            {
                return await JsonSerializer.DeserializeAsync<WatcherCheckpoint>(stream, cancellationToken: cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Checkpoint file {_path} is empty.");
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"Checkpoint file {_path} is not a watcher checkpoint: {ex.Message}", ex);
            }
        }
    }

    public async Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, checkpoint, cancellationToken: cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, _path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}

/// <summary>A checkpoint held in memory (tests, or a host that keeps it elsewhere).</summary>
public sealed class InMemoryWatcherCheckpointStore : IWatcherCheckpointStore
{
    private WatcherCheckpoint? _checkpoint;

    public Task<WatcherCheckpoint?> LoadAsync(CancellationToken cancellationToken) => Task.FromResult(Volatile.Read(ref _checkpoint));

    public Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _checkpoint, checkpoint);
        return Task.CompletedTask;
    }
}
