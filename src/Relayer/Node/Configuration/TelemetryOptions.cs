namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>
/// Where the node's telemetry goes besides <c>/metrics</c> (always served by the API): its traces over OTLP, only when
/// an endpoint is set here or in the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable (this key wins).
/// </summary>
internal sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary>The standard OpenTelemetry variable, read when <see cref="OtlpEndpoint"/> is not set.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The OTLP collector, e.g. <c>http://127.0.0.1:4317</c> (gRPC) or <c>http://127.0.0.1:4318</c> (HTTP); empty: no trace export.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How traces travel to <see cref="OtlpEndpoint"/>.</summary>
    public OtlpTransport OtlpProtocol { get; set; } = OtlpTransport.Grpc;

    /// <summary>The collector traces go to, null for none (after <see cref="TakeEnvironmentDefault"/>).</summary>
    public Uri? Endpoint => string.IsNullOrWhiteSpace(OtlpEndpoint) ? null : new Uri(OtlpEndpoint.Trim(), UriKind.Absolute);

    /// <summary>Without the key, the standard variable's value (checked by <see cref="Validate"/> first) is the endpoint.</summary>
    public void TakeEnvironmentDefault(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (string.IsNullOrWhiteSpace(OtlpEndpoint))
        {
            OtlpEndpoint = environment(OtlpEndpointVariable);
        }
    }

    /// <summary>The endpoint (the key, else the variable) must be an absolute http or https URL.</summary>
    public static void Validate(TelemetryOptions options, Func<string, string?> environment, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(failures);
        var (name, text) = string.IsNullOrWhiteSpace(options.OtlpEndpoint)
            ? ($"the environment variable {OtlpEndpointVariable}", environment(OtlpEndpointVariable))
            : ($"{SectionName}:OtlpEndpoint", options.OtlpEndpoint);
        if (!string.IsNullOrWhiteSpace(text)
            && (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{name}: '{text}' is not an absolute http or https URL of an OTLP collector (for example http://127.0.0.1:4317).");
        }
    }
}

/// <summary>The OTLP transports the exporter speaks.</summary>
internal enum OtlpTransport
{
    /// <summary>gRPC, the collector's port 4317 by convention.</summary>
    Grpc,

    /// <summary>Protobuf over HTTP, the collector's port 4318 by convention.</summary>
    HttpProtobuf,
}
