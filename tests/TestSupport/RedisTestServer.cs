using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;

namespace DiscreteExec.TestSupport;

/// <summary>
/// A real Redis for a test: a Testcontainers Redis container when a Docker daemon answers, otherwise a
/// <see cref="LocalRedisServer"/> (which fails, never skips, when redis-server is missing).
/// </summary>
public sealed class RedisTestServer : IAsyncDisposable
{
    private readonly RedisContainer? _container;
    private readonly LocalRedisServer? _local;

    private RedisTestServer(RedisContainer? container, LocalRedisServer? local, string connectionString)
    {
        _container = container;
        _local = local;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }

    public static async Task<RedisTestServer> StartAsync()
    {
        RedisContainer container;
        try
        {
            container = new RedisBuilder("redis:7.0").Build();
        }
        catch (DockerUnavailableException)
        {
            var local = await LocalRedisServer.StartAsync();
            return new RedisTestServer(null, local, local.ConnectionString);
        }

        await container.StartAsync();
        return new RedisTestServer(container, null, container.GetConnectionString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        if (_local is not null)
        {
            await _local.DisposeAsync();
        }
    }
}
