using System.Net.Http.Json;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Node.Telemetry;
using DiscreteExec.Relayer.Tests.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace DiscreteExec.Relayer.Tests.Node.Api;

[CollectionDefinition(Name)]
public sealed class ApiNodeFixtureDefinition : ICollectionFixture<ApiNodeFixture>
{
    public const string Name = "node API over a real store";
}

/// <summary>
/// The API on Kestrel (127.0.0.1, a free port) over the embedded Garnet store, filled by the real epoch loop against
/// the test chains: epoch 1 fills five intents in several chunks per chain, refunds one (deadline too close) and defers
/// one (larger than the pool); epoch 2 fills one more and defers the large one again and is the current (margined)
/// epoch: the loop has not opened epoch 3.
/// </summary>
public sealed class ApiNodeFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly EmbeddedGarnetFixture _server = new();

    internal NodeWorld World { get; } = new();

    internal NodeStoreConnection Connection { get; private set; } = null!;

    internal RedisIntentStore Intents { get; private set; } = null!;

    internal RedisEpochStore Epochs { get; private set; } = null!;

    internal RedisEventLog Events { get; private set; } = null!;

    internal WebApplication App { get; private set; } = null!;

    /// <summary>The node's meters as the node exports them (created before the epochs run, so /metrics has their measurements).</summary>
    internal MeterProvider Meters { get; } = Sdk.CreateMeterProviderBuilder().AddNodeMeters().Build();

    public HttpClient Client { get; private set; } = null!;

    internal IReadOnlyList<Intent> FilledInFirst { get; private set; } = [];

    internal Intent Refunded { get; private set; } = null!;

    internal Intent Deferred { get; private set; } = null!;

    internal Intent FilledInSecond { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _server.InitializeAsync();
        Connection = NodeStoreContractTests.Connect(_server, $"api-{Guid.NewGuid():N}:");
        Intents = new RedisIntentStore(Connection);
        Epochs = new RedisEpochStore(Connection);
        Events = new RedisEventLog(Connection);
        var loop = World.NewLoop(Intents, Epochs, new RedisNodeLease(Connection), new LogOnlyPublisher(Events));

        var filled = new List<Intent>();
        for (var i = 0; i < 5; i++)
        {
            filled.Add(await World.OpenAsync(Intents));
        }

        FilledInFirst = filled;
        Refunded = await World.OpenAsync(Intents, deadline: (ulong)World.Time.GetUtcNow().ToUnixTimeSeconds() + 10);
        Deferred = await World.OpenAsync(Intents, amount: 150_000_000);
        await World.RunUntilAsync(loop, Epochs, 1, EpochStage.Margined);
        FilledInSecond = await World.OpenAsync(Intents);
        await World.RunUntilAsync(loop, Epochs, 2, EpochStage.Margined);

        var node = NodeServices(World, Intents, Epochs, Events, Meters);
        (App, Client) = await StartApiAsync(node, new ApiOptions { Urls = "http://127.0.0.1:0", HeartbeatInterval = TimeSpan.FromSeconds(15) });
    }

    /// <summary>A connection to the fixture's store server under its own key prefix: a world of its own beside the fixture's.</summary>
    internal NodeStoreConnection Connect(string keyPrefix) => NodeStoreContractTests.Connect(_server, keyPrefix);

    /// <summary>The services the API reads: <paramref name="world"/>'s clock, options, feed and chunk limits over the stores.</summary>
    internal static ServiceProvider NodeServices(NodeWorld world, RedisIntentStore intents, RedisEpochStore epochs, RedisEventLog events, MeterProvider meters, IntentBuildChains? buildChains = null)
    {
        var services = new ServiceCollection();
        if (buildChains is not null)
        {
            services.AddSingleton(buildChains);
        }

        return services
            .AddSingleton<IIntentStore>(intents)
            .AddSingleton<IIntentQueries>(intents)
            .AddSingleton<IEpochStore>(epochs)
            .AddSingleton<IEventLog>(events)
            .AddSingleton<TimeProvider>(world.Time)
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(meters)
            .AddSingleton(world.Options)
            .AddSingleton<IPriceFeed>(world.Feed)
            .AddSingleton(new ChunkLimitsSource(new Dictionary<ChainId, ChunkLimits>
            {
                [NodeWorld.ChainA] = world.EscrowA.Limits,
                [NodeWorld.ChainB] = world.EscrowB.Limits,
            }))
            .BuildServiceProvider();
    }

    /// <summary>The API over <paramref name="node"/>'s services on Kestrel, and a client of it.</summary>
    internal static async Task<(WebApplication App, HttpClient Client)> StartApiAsync(IServiceProvider node, ApiOptions options)
    {
        var app = NodeApi.Create(node, options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) });
    }

    internal static async Task StopApiAsync(WebApplication? app, HttpClient? client)
    {
        client?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await StopApiAsync(App, Client);

        Events?.Dispose();
        Meters.Dispose();
        if (Connection is not null)
        {
            await Connection.DisposeAsync();
        }

        await _server.DisposeAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    internal async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Asserts an RFC 9457 problem with the status and, for a 400, the parameter named in it.</summary>
    internal async Task AssertProblemAsync(string path, int status, string? parameter)
    {
        using var response = await Client.GetAsync(path);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        if (parameter is not null)
        {
            Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
            Assert.StartsWith($"{parameter}: ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    /// <summary>The node's publisher without a bus: the event log is what the API reads.</summary>
    internal sealed class LogOnlyPublisher(IEventLog log) : IIntegratorEventPublisher
    {
        public Task PublishAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken) => log.AppendAsync(integratorEvent, cancellationToken);
    }
}
