using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Node.Telemetry;
using Microsoft.Extensions.Configuration;
using DiscreteExec.Relayer.Node.Prices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Composes one node in a Generic Host from its validated configuration: time, logging, telemetry, the price feed,
/// the chains' start-up checks, and the places where the bus and the store plug in. Ctrl+C and SIGTERM stop it
/// (the host's console lifetime), bounded by <c>Node:ShutdownTimeout</c>.
/// </summary>
internal static class NodeHost
{
    /// <summary>
    /// The node's host builder. <paramref name="configure"/> runs last (tests replace the TimeProvider or add a log
    /// provider there).
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(LoadedNodeConfiguration configuration, Action<HostApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.Options;
        Directory.CreateDirectory(options.Node.DataDirectory);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            DisableDefaults = true,
            ApplicationName = "DiscreteExec.Relayer.Node",
            ContentRootPath = options.Node.DataDirectory,
        });
        builder.Configuration.AddConfiguration(configuration.Configuration);
        builder.Services.Configure<HostOptions>(host =>
        {
            host.ShutdownTimeout = options.Node.ShutdownTimeout;

            // A chain that cannot be reached is retried by its own loop; no service failure stops the whole node.
            host.BackgroundServiceExceptionBehavior = BackgroundServiceExceptionBehavior.Ignore;
        });
        AddLogging(builder, options.Node);

        // TimeProvider.System unless the chaos harness skews this node's clock (DISCRETEEXEC_CLOCK_SKEW_SECONDS, Debug builds only).
        builder.Services.AddSingleton(SkewedClock.FromEnvironment(TimeProvider.System));
        builder.Services.AddSingleton(configuration);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton<ChainStartupTelemetry>();
        builder.Services.AddNodeTelemetry(options.Telemetry, options.Node.NodeId);
        builder.Services.AddHttpClient(PriceFeedFactory.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton(sp => PriceFeedFactory.Create(
            options,
            () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(PriceFeedFactory.HttpClientName),
            sp.GetRequiredService<TimeProvider>()));

        AddChains(builder, configuration.Chains, options.OperatorSet);

        // The store (an external Redis or the embedded server under the data directory) and the bus (RabbitMQ or in
        // memory), each bound and validated from its own section.
        builder.Services.AddNodeStore(builder.Configuration, options.Node.DataDirectory);
        builder.Services.AddNodeBus(builder.Configuration, OperatorSetHosting.QueueOf(options));
        AddEpochLoop(builder, configuration);
        AddApi(builder, options.Api, configuration.Chains);

        configure?.Invoke(builder);
        return builder;
    }

    private static void AddLogging(HostApplicationBuilder builder, NodeIdentityOptions node)
    {
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));

        // The embedded Garnet server's argument parser warns that it ignores its own file-logger options when given
        // the host's logger factory, at every start: that is the intended set-up, not something an operator can act on.
        builder.Logging.AddFilter("ArgParser", LogLevel.Error);
        if (node.LogFormat == NodeLogFormat.Json)
        {
            builder.Logging.AddJsonConsole(console =>
            {
                console.IncludeScopes = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(console =>
            {
                console.IncludeScopes = true;
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    }

    private static void AddEpochLoop(HostApplicationBuilder builder, LoadedNodeConfiguration configuration)
    {
        var loopOptions = EpochLoopConfiguration.From(configuration);
        loopOptions.Validate();
        builder.Services.AddSingleton(loopOptions);
        OperatorSetHosting.Add(builder.Services, configuration, loopOptions);

        // Test-only fault injection (DISCRETEEXEC_CRASH_AT), read once here; off unless the variable is set.
        builder.Services.AddSingleton(sp => KillingCrashPoints.FromEnvironment(sp.GetRequiredService<ILoggerFactory>().CreateLogger<EpochLoop>()));
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<EpochLoop>(sp, sp.GetRequiredService<NodeChains>().ForEpochLoop));
        builder.Services.AddHostedService<EpochLoopService>();
    }

    // The HTTP API runs in this host as one more service, over the same store and event log as the epoch loop.
    private static void AddApi(HostApplicationBuilder builder, ApiOptions api, IReadOnlyList<ConfiguredChain> chains)
    {
        const string buildClient = "DiscreteExec.Relayer.Node.Api.Build";
        builder.Services.AddHttpClient(buildClient, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.Services.AddSingleton(sp => IntentBuildChains.From(
            chains,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(buildClient),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton(api);
        builder.Services.AddSingleton<NodeApiAddresses>();
        builder.Services.AddSingleton(sp => new ChunkLimitsSource(
            sp.GetRequiredService<NodeChains>().All.ToDictionary(c => c.ChainId, c => c.Adapter.Submitter.Limits)));
        if (api.Enabled)
        {
            builder.Services.AddHostedService<NodeApiService>();
        }
    }

    private static void AddChains(HostApplicationBuilder builder, IReadOnlyList<ConfiguredChain> chains, OperatorSetOptions operators)
    {
        // The adapters are built once up front without loggers, so that a key that does not parse stops start-up
        // with its key named; the node's own instance is built with the host's loggers and clock.
        using (var http = new HttpClient())
        {
            NodeChains.Connect(chains, http, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, TimeProvider.System).Dispose();
        }

        const string chainClient = "DiscreteExec.Relayer.Node.Chains";
        builder.Services.AddHttpClient(chainClient, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton(sp => NodeChains.Connect(
            chains,
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(chainClient),
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            operators.IsShared ? chain => OperatorSetHosting.CoSignersOf(operators, chain, sp.GetRequiredService<Operators.IOperatorMessageStore>()) : null,
            operators.IsShared ? chain => OperatorSetHosting.SolanaCoSignersOf(operators, chain, sp) : null,
            operators.IsShared ? own => new Operators.ChosenRootLegSigner(own, sp.GetRequiredService<Store.IEpochStore>()) : null));
        builder.Services.AddSingleton<LatestChainCursors>();
        builder.Services.AddSingleton<IChainCursorSource>(sp => sp.GetRequiredService<LatestChainCursors>());
        builder.Services.AddSingleton(IntakeChains.Of(chains.Select(c => c.Options.Chain)));
        builder.Services.AddHostedService<ChainWatcherService>();

        const string probeClient = "DiscreteExec.Relayer.Node.ChainProbe";
        builder.Services.AddHttpClient(probeClient, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton(new ChainReadiness(chains.Select(c => c.Name)));
        builder.Services.AddSingleton<ChainStartupFailures>();
        foreach (var chain in chains)
        {
            builder.Services.AddSingleton(sp => ChainProbe.Create(
                chain,
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(probeClient),
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetRequiredService<TimeProvider>()));
        }

        builder.Services.AddHostedService<ChainStartupService>();
    }
}
