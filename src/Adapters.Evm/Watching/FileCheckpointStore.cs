using System.Text.Json;
using System.Text.Json.Serialization;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>
/// A checkpoint in a JSON file, replaced atomically: the new content is written and flushed to a temporary file in
/// the same directory, then renamed over the old one (rename is atomic on POSIX file systems and NTFS).
/// </summary>
public sealed class FileCheckpointStore : IWatcherCheckpointStore
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        Converters = { new Bytes32JsonConverter() },
    };

    private readonly string _path;

    public FileCheckpointStore(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = Path.GetFullPath(path);
    }

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
                return await JsonSerializer.DeserializeAsync<WatcherCheckpoint>(stream, JsonOptions, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidDataException($"Checkpoint file {_path} is empty.");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"Checkpoint file {_path} is not a watcher checkpoint: {e.Message}", e);
            }
        }
    }

    public async Task SaveAsync(WatcherCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var directory = Path.GetDirectoryName(_path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(_path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(stream, checkpoint, JsonOptions, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, _path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private sealed class Bytes32JsonConverter : JsonConverter<Bytes32>
    {
        public override Bytes32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Bytes32.TryParse(reader.GetString(), out var value) ? value : throw new JsonException($"'{reader.GetString()}' is not a 32-byte hex value.");

        public override void Write(Utf8JsonWriter writer, Bytes32 value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
