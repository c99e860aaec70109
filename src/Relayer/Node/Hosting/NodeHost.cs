using DiscreteExec.Relayer.Node.Configuration;
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

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(configuration);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton<NodeTelemetry>();
        builder.Services.AddHttpClient(PriceFeedFactory.HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton(sp => PriceFeedFactory.Create(
            options,
            () => sp.GetRequiredService<IHttpClientFactory>().CreateClient(PriceFeedFactory.HttpClientName),
            sp.GetRequiredService<TimeProvider>()));

        AddChains(builder, configuration.Chains);

        // ---- Bus and store plug in here (their own options, bound from the "Bus" and "Store" sections) ----
        // builder.AddNodeBus();
        // builder.AddNodeStore();
        // ---------------------------------------------------------------------------------------------------

        configure?.Invoke(builder);
        return builder;
    }

    private static void AddLogging(HostApplicationBuilder builder, NodeIdentityOptions node)
    {
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
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

    private static void AddChains(HostApplicationBuilder builder, IReadOnlyList<ConfiguredChain> chains)
    {
        const string probeClient = "DiscreteExec.Relayer.Node.ChainProbe";
        builder.Services.AddHttpClient(probeClient, client => client.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddSingleton(new ChainReadiness(chains.Select(c => c.Name)));
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
