using System.Globalization;
using System.Text.Json;
using DiscreteExec.Core;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// Epoch records as JSON strings (<c>epoch:{id}</c>), each chunk's progress as a field of a hash beside it
/// (<c>epoch:{id}:chunks</c>, merged into the record when read), the id of the newest one (<c>epoch:current</c>),
/// write-once blobs (<c>epoch:{id}:blob:{name}</c>) and the one batch root chosen per epoch (<c>epoch:{id}:root</c>, SET NX).
/// </summary>
internal sealed class RedisEpochStore(NodeStoreConnection connection) : IEpochStore
{
    // KEYS: fence counter, record, current. ARGV: fence, record JSON, epoch id. Epoch ids are compared as decimal
    // strings (length first), never as Lua numbers, so that every ulong compares exactly.
    private const string SaveScript = Fencing.CheckScript + """
        redis.call('SET', KEYS[2], ARGV[2])
        local current = redis.call('GET', KEYS[3])
        if (not current) or #current < #ARGV[3] or (#current == #ARGV[3] and current <= ARGV[3]) then
          redis.call('SET', KEYS[3], ARGV[3])
        end
        return 1
        """;

    // KEYS: fence counter, chunks hash. ARGV: fence, field, progress JSON. One write, so a torn script cannot half-apply it.
    private const string SaveChunkScript = Fencing.CheckScript + """
        redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
        return 1
        """;

    // KEYS: fence counter, blob. ARGV: fence, content. Returns 1 when stored (or already holding these bytes), -2 when it holds others.
    private const string SaveBlobScript = Fencing.CheckScript + """
        local existing = redis.call('GET', KEYS[2])
        if not existing then
          redis.call('SET', KEYS[2], ARGV[2])
          return 1
        end
        if existing == ARGV[2] then return 1 end
        return -2
        """;

    private readonly StoreKeys _keys = connection.Keys;

    public async Task<EpochRecord?> CurrentAsync(CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var current = await database.StringGetAsync(_keys.CurrentEpoch).ConfigureAwait(false);
        return current.IsNull ? null : await GetAsync(ulong.Parse(current.ToString(), CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
    }

    public async Task<EpochRecord?> GetAsync(ulong epochId, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var batch = database.CreateBatch();
        var recordRead = batch.StringGetAsync(_keys.Epoch(epochId));
        var chunksRead = batch.HashGetAllAsync(_keys.EpochChunks(epochId));
        batch.Execute();
        var json = await recordRead.ConfigureAwait(false);
        var chunks = await chunksRead.ConfigureAwait(false);
        if (json.IsNull)
        {
            return null;
        }

        var record = JsonSerializer.Deserialize<EpochRecord>(json.ToString(), StoreJson.Options)
            ?? throw new InvalidDataException($"Epoch {epochId} holds a null record.");
        return chunks.Length == 0 ? record : record with { Chunks = Merge(epochId, record.Chunks, chunks) };
    }

    public async Task SaveAsync(EpochRecord record, LeaseToken fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = (long)await database.ScriptEvaluateAsync(
            SaveScript,
            [_keys.LeaseFence, _keys.Epoch(record.EpochId), _keys.CurrentEpoch],
            [fence.Fence, JsonSerializer.Serialize(record, StoreJson.Options), record.EpochId.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        Fencing.ThrowIfStale(result, fence, $"Saving epoch {record.EpochId}");
    }

    public async Task SaveChunkAsync(ulong epochId, ChunkProgress progress, LeaseToken fence, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = (long)await database.ScriptEvaluateAsync(
            SaveChunkScript,
            [_keys.LeaseFence, _keys.EpochChunks(epochId)],
            [fence.Fence, StoreKeys.ChunkField(progress.ChainId, progress.Index), JsonSerializer.Serialize(progress, StoreJson.Options)]).ConfigureAwait(false);
        Fencing.ThrowIfStale(result, fence, $"Saving chunk {progress.Index} on chain {progress.ChainId} of epoch {epochId}");
    }

    public async Task SaveBlobAsync(ulong epochId, string name, ReadOnlyMemory<byte> content, LeaseToken fence, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = (long)await database.ScriptEvaluateAsync(
            SaveBlobScript,
            [_keys.LeaseFence, _keys.EpochBlob(epochId, name)],
            [fence.Fence, content]).ConfigureAwait(false);
        Fencing.ThrowIfStale(result, fence, $"Saving blob '{name}' of epoch {epochId}");
        if (result != 1)
        {
            throw new InvalidOperationException($"Blob '{name}' of epoch {epochId} is write-once and already holds different bytes; nothing was changed.");
        }
    }

    public async Task<byte[]?> GetBlobAsync(ulong epochId, string name, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.StringGetAsync(_keys.EpochBlob(epochId, name)).ConfigureAwait(false) is { IsNull: false } blob ? (byte[]?)blob : null;
    }

    public Task<Bytes32> ChooseRootOnceAsync(ulong epochId, Bytes32 batchRoot, CancellationToken cancellationToken) =>
        ChooseRootOnceAsync(epochId, 0, batchRoot, cancellationToken);

    public Task<Bytes32?> ChosenRootAsync(ulong epochId, CancellationToken cancellationToken) => ChosenRootAsync(epochId, 0, cancellationToken);

    public async Task<Bytes32> ChooseRootOnceAsync(ulong epochId, uint round, Bytes32 batchRoot, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var key = _keys.EpochRoot(epochId, round);
        if (await database.StringSetAsync(key, batchRoot.ToString(), when: When.NotExists).ConfigureAwait(false))
        {
            return batchRoot;
        }

        // A root is never overwritten, so the one read here is the one that won.
        return Bytes32.Parse((await database.StringGetAsync(key).ConfigureAwait(false)).ToString());
    }

    public async Task<Bytes32?> ChosenRootAsync(ulong epochId, uint round, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return await database.StringGetAsync(_keys.EpochRoot(epochId, round)).ConfigureAwait(false) is { IsNull: false } root ? Bytes32.Parse(root.ToString()) : null;
    }

    // The record's chunks in their order, each replaced by its own field when it has one; fields the record does not list follow.
    private static ChunkProgress[] Merge(ulong epochId, IReadOnlyList<ChunkProgress> listed, HashEntry[] fields)
    {
        var written = new Dictionary<string, ChunkProgress>(fields.Length, StringComparer.Ordinal);
        foreach (var field in fields)
        {
            written[field.Name.ToString()] = JsonSerializer.Deserialize<ChunkProgress>(field.Value.ToString(), StoreJson.Options)
                ?? throw new InvalidDataException($"Epoch {epochId} holds a null progress for chunk field '{field.Name}'.");
        }

        var merged = new List<ChunkProgress>(Math.Max(listed.Count, written.Count));
        foreach (var chunk in listed)
        {
            merged.Add(written.Remove(StoreKeys.ChunkField(chunk.ChainId, chunk.Index), out var progress) ? progress : chunk);
        }

        merged.AddRange(written.Values.OrderBy(c => c.ChainId).ThenBy(c => c.Index));
        return [.. merged];
    }
}
