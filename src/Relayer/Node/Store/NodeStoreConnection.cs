using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The node's one connection to its store: ONE multiplexer per process, to the external Redis when
/// <see cref="StoreOptions.ConnectionString"/> is set, otherwise to the embedded server it starts on first use.
/// When connecting fails (the embedded server cannot start, the configuration is refused) the next call tries again:
/// a failure is never cached for the process's lifetime.
/// </summary>
internal sealed partial class NodeStoreConnection : IAsyncDisposable
{
    private readonly StoreOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger<NodeStoreConnection> _logger;
    private readonly Lock _gate = new();
    private Task<ConnectionMultiplexer>? _multiplexer;
    private EmbeddedGarnetServer? _embeddedServer;

    public NodeStoreConnection(IOptions<StoreOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NodeStoreConnection>();
        Keys = new StoreKeys(_options.KeyPrefix);
    }

    public StoreKeys Keys { get; }

    /// <summary>The embedded server's port once it runs (null with an external Redis): other clients of this process may connect to it.</summary>
    public int? EmbeddedPort => _embeddedServer?.Port;

    /// <summary>Raised after the multiplexer re-established a lost connection (readers re-check what they wait for).</summary>
    public event EventHandler? ConnectionRestored;

    public async Task<IDatabase> DatabaseAsync(CancellationToken cancellationToken) =>
        (await Multiplexer().WaitAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    public async Task<ISubscriber> SubscriberAsync(CancellationToken cancellationToken) =>
        (await Multiplexer().WaitAsync(cancellationToken).ConfigureAwait(false)).GetSubscriber();

    public async ValueTask DisposeAsync()
    {
        Task<ConnectionMultiplexer>? multiplexer;
        lock (_gate)
        {
            multiplexer = _multiplexer;
        }

        if (multiplexer is not null)
        {
            try
            {
                await (await multiplexer.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisConnectionException or IOException or InvalidOperationException)
            {
                // It never connected: nothing to close.
            }
        }

        _embeddedServer?.Dispose();
    }

    // One connection attempt at a time; callers share it. One that failed is dropped, so the next call tries again.
    private Task<ConnectionMultiplexer> Multiplexer()
    {
        lock (_gate)
        {
            if (_multiplexer is null || _multiplexer.IsFaulted || _multiplexer.IsCanceled)
            {
                _multiplexer = ConnectAsync();
            }

            return _multiplexer;
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        ConfigurationOptions configuration;
        if (!string.IsNullOrWhiteSpace(_options.ConnectionString))
        {
            configuration = ConfigurationOptions.Parse(_options.ConnectionString);
            var withoutPassword = configuration.ToString(includePassword: false);
            LogExternal(withoutPassword);
        }
        else
        {
            var dataDirectory = _options.DataDirectory
                ?? throw new InvalidOperationException("Store:DataDirectory is not set and no Store:ConnectionString is configured.");
            _embeddedServer ??= EmbeddedGarnetServer.Start(dataDirectory, _loggerFactory); // started once, even when connecting to it failed
            LogEmbedded(dataDirectory, _embeddedServer.Port);
            configuration = new ConfigurationOptions { EndPoints = { { "127.0.0.1", _embeddedServer.Port } } };
        }

        // Keep retrying while the server is away (a restart must not crash the node) and come back quickly.
        configuration.AbortOnConnectFail = false;
        configuration.ConnectRetry = 5;
        configuration.ReconnectRetryPolicy = new LinearRetry(500);
        configuration.SyncTimeout = _options.OperationTimeoutMilliseconds;
        configuration.AsyncTimeout = _options.OperationTimeoutMilliseconds;
        configuration.ClientName = "discrete-exec-relayer";

        var multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
        multiplexer.ConnectionFailed += (_, e) => LogConnectionFailed(e.EndPoint, e.FailureType);
        multiplexer.ConnectionRestored += (_, e) =>
        {
            LogConnectionRestored(e.EndPoint);
            ConnectionRestored?.Invoke(this, EventArgs.Empty);
        };
        return multiplexer;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Node store: external Redis {Configuration}")]
    private partial void LogExternal(string configuration);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Node store: embedded server on 127.0.0.1:{Port}, append-only file in {DataDirectory}")]
    private partial void LogEmbedded(string dataDirectory, int port);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Node store: connection to {EndPoint} failed ({FailureType}); reconnecting")]
    private partial void LogConnectionFailed(System.Net.EndPoint? endPoint, ConnectionFailureType failureType);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Node store: connection to {EndPoint} restored")]
    private partial void LogConnectionRestored(System.Net.EndPoint? endPoint);
}
