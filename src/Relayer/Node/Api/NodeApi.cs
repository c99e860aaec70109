using System.Text.Json;
using System.Text.Json.Serialization;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// The node's HTTP API as one ASP.NET Core application: Kestrel, problem details, the OpenAPI document and the routes
/// over the node's store. It shares the node's singletons (store, event log, clock, loggers, chunk limits) instead of
/// building its own, so the API and the epoch loop read the same state through the same connection. The quote takes the
/// epoch loop's clearing settings and the price feed, the intent build its own RPC clients of the configured chains.
/// </summary>
internal static class NodeApi
{
    /// <summary>The services the API takes from the node's container (the optional ones may be absent).</summary>
    private static readonly Type[] SharedServices =
    [
        typeof(IIntentStore), typeof(IEpochStore), typeof(IEventLog), typeof(TimeProvider), typeof(ILoggerFactory),
    ];

    private static readonly Type[] OptionalServices =
    [
        typeof(ChunkLimitsSource), typeof(ChainReadiness), typeof(IIntentQueries), typeof(EpochLoopOptions), typeof(IPriceFeed), typeof(IntentBuildChains),
    ];

    /// <summary>
    /// Builds the API over <paramref name="node"/>'s services, listening on <see cref="ApiOptions.Urls"/>;
    /// <paramref name="configure"/> runs last, before the build.
    /// </summary>
    public static WebApplication Create(IServiceProvider node, ApiOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "DiscreteExec.Relayer.Node.Api",
            EnvironmentName = Environments.Production,
            Args = [],
        });

        // The node's host owns logging and the process lifetime (Ctrl+C, SIGTERM); this application is stopped by it.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, NodeOwnedLifetime>();
        builder.WebHost.UseUrls([.. options.UrlList]);
        foreach (var type in SharedServices)
        {
            builder.Services.AddSingleton(type, node.GetService(type) ?? throw new InvalidOperationException($"The node has no {type.Name} registered for the API."));
        }

        foreach (var type in OptionalServices)
        {
            if (node.GetService(type) is { } instance)
            {
                builder.Services.AddSingleton(type, instance);
            }
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();

        // Body-binding failures reach ApiExceptionHandler, which names the field, instead of a bare 400.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        builder.Services.ConfigureHttpJsonOptions(json => Configure(json.SerializerOptions));
        builder.Services.AddOpenApi();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        ReferenceRoute.Map(app);
        var v1 = app.MapGroup("/v1");
        HealthRoutes.Map(v1);
        IntentRoutes.Map(v1);
        EpochRoutes.Map(v1);
        PoolRoutes.Map(v1);
        QuoteRoute.Map(v1);
        IntentBuildRoute.Map(v1);
        EventStreamRoute.Map(v1);
        StatusRoute.Map(v1);
        DashboardRoutes.Map(app);

        // The node's meters in Prometheus text format, from the node's MeterProvider (absent: the node exports none).
        if (node.GetService(typeof(MeterProvider)) is MeterProvider meters)
        {
            app.MapPrometheusScrapingEndpoint("/metrics", meters, configureBranchedPipeline: null, optionsName: null);
        }

        return app;
    }

    /// <summary>The API's JSON: camelCase names, enums as camelCase strings; Core types carry their own converters.</summary>
    public static void Configure(JsonSerializerOptions json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        json.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    /// <summary>No console lifetime of its own: the node's host handles signals and stops this application.</summary>
    private sealed class NodeOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
