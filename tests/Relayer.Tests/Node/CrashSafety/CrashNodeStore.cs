using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>
/// The child node's store opened by the test while the child is not running: the embedded server on the child's
/// store directory (it replays the append-only file the killed child left), or the external Redis.
/// </summary>
internal sealed class CrashNodeStore : IAsyncDisposable
{
    private readonly NodeStoreConnection _connection;

    private CrashNodeStore(NodeStoreConnection connection)
    {
        _connection = connection;
        Intents = new RedisIntentStore(connection);
        Epochs = new RedisEpochStore(connection);
    }

    public IIntentStore Intents { get; }

    public IEpochStore Epochs { get; }

    /// <summary>The store of a node with data directory <paramref name="dataDirectory"/>: Redis when a connection string is given.</summary>
    public static CrashNodeStore Open(string dataDirectory, string? redisConnectionString) =>
        new(new NodeStoreConnection(
            Options.Create(new StoreOptions { ConnectionString = redisConnectionString, DataDirectory = Path.Combine(dataDirectory, "store") }),
            NullLoggerFactory.Instance));

    /// <summary>Every epoch record, the first to the current one.</summary>
    public async Task<IReadOnlyList<EpochRecord>> EpochsAsync(CancellationToken cancellationToken)
    {
        var current = await Epochs.CurrentAsync(cancellationToken) ?? throw new InvalidOperationException("The store has no epoch.");
        var records = new List<EpochRecord>();
        for (var id = 1UL; id <= current.EpochId; id++)
        {
            records.Add(await Epochs.GetAsync(id, cancellationToken) ?? throw new InvalidOperationException($"Epoch {id} has no record."));
        }

        return records;
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
