using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Diagnostics;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace DiscreteExec.Relayer.Node.Telemetry;

/// <summary>
/// Where the node's instruments go: every meter of the node and its adapters into one MeterProvider whose Prometheus
/// exporter the API serves at <c>/metrics</c>, and the node's and adapters' spans over OTLP when an endpoint is configured.
/// </summary>
internal static class NodeTelemetryExport
{
    /// <summary>The service name on exported telemetry.</summary>
    public const string ServiceName = "discreteexec-relayer";

    /// <summary>The ActivitySources exported as traces: the node's and each adapter's.</summary>
    public static readonly IReadOnlyList<string> InstrumentationNames = [NodeTelemetry.Name, EvmTelemetry.Name, SolanaTelemetry.Name];

    /// <summary>The meters exported: the node's and the chains' (both adapters record under <c>discreteexec.chain.*</c>).</summary>
    public static readonly IReadOnlyList<string> MeterNames = [NodeTelemetry.Name, DiscreteExec.Chains.Diagnostics.ChainTelemetry.MeterName];

    /// <summary>The node's meters with the Prometheus exporter the API's <c>/metrics</c> reads.</summary>
    public static MeterProviderBuilder AddNodeMeters(this MeterProviderBuilder metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return metrics.AddMeter([.. MeterNames]).AddPrometheusExporter();
    }

    /// <summary>Registers the node's MeterProvider (started with the host) and, when configured, its OTLP trace export.</summary>
    public static void AddNodeTelemetry(this IServiceCollection services, TelemetryOptions options, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(options);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: nodeId))
            .WithMetrics(metrics => metrics.AddNodeMeters());
        if (options.Endpoint is { } endpoint)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource([.. InstrumentationNames])
                .AddOtlpExporter(otlp =>
                {
                    // An endpoint set in code is used as it is: over HTTP the traces path must be on it (the variable's
                    // convention is the collector's base URL, so it is added when the configured URL has no path).
                    var http = options.OtlpProtocol == OtlpTransport.HttpProtobuf;
                    otlp.Protocol = http ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
                    otlp.Endpoint = http && endpoint.AbsolutePath == "/" ? new Uri(endpoint, "v1/traces") : endpoint;
                }));
        }
    }
}
