using System.Text.Json;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Api;

[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class MetricsAndStatusTests(ApiNodeFixture node)
{
    [Fact]
    public async Task Metrics_AfterEpochsRan_PrometheusTextWithTheNodesMetrics()
    {
        using var response = await node.Client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("# TYPE node_epochs_total counter", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^node_epochs_total\{[^}]*stage=""margined""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^node_intents_total\{[^}]*state=""filled""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^node_settle_latency\w*_bucket\{", text);
    }

    [Fact]
    public async Task Status_AfterTwoEpochs_CurrentEpochOpenIntentsAndNodeTime()
    {
        var status = await node.GetJsonAsync("/v1/status");

        var current = status.GetProperty("currentEpoch");
        Assert.Equal((2UL, "margined"), (current.GetProperty("epochId").GetUInt64(), current.GetProperty("stage").GetString()));
        Assert.Equal(EpochStage.Margined, (await node.Epochs.CurrentAsync(default))!.Stage);
        Assert.Equal(await node.Intents.OpenCountAsync(default), status.GetProperty("openIntents").GetInt64());
        Assert.Equal(node.World.Time.GetUtcNow().ToUnixTimeMilliseconds(), status.GetProperty("nodeTimeUnixMilliseconds").GetInt64());
        var triggers = status.GetProperty("triggers");
        Assert.Equal((long)node.World.Options.Triggers.MaxDuration.TotalMilliseconds, triggers.GetProperty("maxDurationMilliseconds").GetInt64());
        Assert.Equal(node.World.Options.Triggers.MaxIntentCount, triggers.GetProperty("maxIntentCount").GetInt32());
    }
}
