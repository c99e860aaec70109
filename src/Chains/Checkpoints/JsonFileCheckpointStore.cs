using System.Text.Json;
using DiscreteExec.Core.Json;

namespace DiscreteExec.Chains.Checkpoints;

/// <summary>
/// A checkpoint in a JSON file, replaced atomically: the new content is written to a temporary file in the same
/// directory and flushed to disk (fsync), then renamed over the old one (rename is atomic on POSIX file systems and
/// NTFS), so a crash leaves the old or the new checkpoint, never half of one. A file that is not a checkpoint is
/// reported with its path, never read as "start from scratch".
/// </summary>
public sealed class JsonFileCheckpointStore<T> : ICheckpointStore<T>
    where T : class
{
    private static readonly JsonSerializerOptions DefaultOptions = new()
    {
        WriteIndented = true,
        Converters = { new Bytes32JsonConverter(), new UInt256JsonConverter(), new ChainIdJsonConverter() },
    };

    private readonly JsonSerializerOptions _options;

    /// <param name="path">The checkpoint file; its directory is created on the first save.</param>
    /// <param name="options">The serializer options; by default indented, with the Core converters (0x hex <c>Bytes32</c>).</param>
    public JsonFileCheckpointStore(string path, JsonSerializerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _options = options ?? DefaultOptions;
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <exception cref="InvalidDataException">The file exists but does not hold a checkpoint; the message names the file.</exception>
    public async Task<T?> LoadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Path))
        {
            return null;
        }

        var stream = File.OpenRead(Path);
        await using (stream.ConfigureAwait(false))
        {
            if (stream.Length == 0)
            {
                throw new InvalidDataException($"Checkpoint file {Path} is empty; delete it to start the watcher from its configured start, or restore it.");
            }

            try
            {
                return await JsonSerializer.DeserializeAsync<T>(stream, _options, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Checkpoint file {Path} holds null, not a {typeof(T).Name}.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Checkpoint file {Path} is not a {typeof(T).Name}: {e.Message}", e);
            }
        }
    }

    public async Task SaveAsync(T checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, checkpoint, _options, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, Path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }
}
