using System.Collections;
using System.Text.Json.Nodes;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

public sealed class TelemetryOptionsTests : IDisposable
{
    private readonly NodeConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private LoadedNodeConfiguration Load(IDictionary? environment = null) => NodeOptionsLoader.Load(_fixture.Write(), environment ?? new Hashtable());

    [Fact]
    public void Load_NoEndpointAnywhere_NoTraceExport()
    {
        Assert.Null(Load().Options.Telemetry.Endpoint);
    }

    [Fact]
    public void Load_EndpointKey_WinsOverTheVariable()
    {
        _fixture.Config["Telemetry"] = new JsonObject { ["OtlpEndpoint"] = "http://127.0.0.1:4318", ["OtlpProtocol"] = "HttpProtobuf" };

        var telemetry = Load(new Hashtable { [TelemetryOptions.OtlpEndpointVariable] = "http://collector:4317" }).Options.Telemetry;

        Assert.Equal((new Uri("http://127.0.0.1:4318"), OtlpTransport.HttpProtobuf), (telemetry.Endpoint, telemetry.OtlpProtocol));
    }

    [Fact]
    public void Load_OnlyTheVariable_IsTheEndpoint()
    {
        var telemetry = Load(new Hashtable { [TelemetryOptions.OtlpEndpointVariable] = "http://collector:4317" }).Options.Telemetry;

        Assert.Equal(new Uri("http://collector:4317"), telemetry.Endpoint);
    }

    [Fact]
    public void Load_BadEndpointKey_NamesTheKey()
    {
        _fixture.Config["Telemetry"] = new JsonObject { ["OtlpEndpoint"] = "collector:4317" };

        var failures = Assert.Throws<NodeConfigurationException>(() => Load()).Failures;

        Assert.Contains(failures, f => f.StartsWith("Telemetry:OtlpEndpoint: 'collector:4317' is not an absolute http or https URL", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadVariable_NamesTheVariable()
    {
        var failures = Assert.Throws<NodeConfigurationException>(() => Load(new Hashtable { [TelemetryOptions.OtlpEndpointVariable] = "ftp://collector" })).Failures;

        Assert.Contains(failures, f => f.StartsWith("the environment variable OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://collector'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MisspeltTelemetryKey_NamesTheUnknownKey()
    {
        _fixture.Config["Telemetry"] = new JsonObject { ["OtlpUrl"] = "http://127.0.0.1:4317" };

        var failures = Assert.Throws<NodeConfigurationException>(() => Load()).Failures;

        Assert.Contains(failures, f => f.Contains("unknown key 'OtlpUrl' at 'Telemetry:OtlpUrl'", StringComparison.Ordinal));
    }
}
