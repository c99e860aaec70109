using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Tests.Node.Store;

/// <summary>A server the store contract runs against; each test connects with its own key prefix.</summary>
public interface IStoreServerFixture
{
    string ConnectionString { get; }
}

/// <summary>The embedded Garnet server, started the way the node starts it (AOF in a throwaway data directory).</summary>
public sealed class EmbeddedGarnetFixture : IStoreServerFixture, IAsyncLifetime, IAsyncDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("garnet-").FullName;
    private NodeStoreConnection? _connection;

    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _connection = new NodeStoreConnection(Options.Create(new StoreOptions { DataDirectory = _dataDirectory }), NullLoggerFactory.Instance);
        await _connection.DatabaseAsync(CancellationToken.None);
        ConnectionString = $"127.0.0.1:{_connection.EmbeddedPort}";
    }

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync();
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}

/// <summary>A real Redis: a container when Docker answers, else the Debian redis-server as a child process.</summary>
public sealed class RedisServerFixture : IStoreServerFixture, IAsyncLifetime
{
    private RedisTestServer? _server;

    public string ConnectionString => _server?.ConnectionString ?? throw new InvalidOperationException("Redis is not started.");

    public async Task InitializeAsync() => _server = await RedisTestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
