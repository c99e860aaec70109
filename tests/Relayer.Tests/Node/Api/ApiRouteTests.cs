using System.Globalization;
using System.Text.Json;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Tests.Node.Api;

[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class ApiRouteTests(ApiNodeFixture node)
{
    [Fact]
    public async Task Health_Always_Live()
    {
        var health = await node.GetJsonAsync("/v1/health");

        Assert.Equal("live", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Ready_StoreAnswers_ReadyWithTheEventLogHead()
    {
        var ready = await node.GetJsonAsync("/v1/ready");

        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.True(ready.GetProperty("store").GetProperty("reachable").GetBoolean());
        Assert.True(ready.GetProperty("store").GetProperty("eventLogHead").GetInt64() > 0);
    }

    [Fact]
    public async Task GetIntent_EachFate_StateEpochAndDeferrals()
    {
        var filled = await node.GetJsonAsync($"/v1/intents/{node.FilledInFirst[0].IntentId}");
        var refunded = await node.GetJsonAsync($"/v1/intents/{node.Refunded.IntentId}");
        var deferred = await node.GetJsonAsync($"/v1/intents/{node.Deferred.IntentId}");
        var second = await node.GetJsonAsync($"/v1/intents/{node.FilledInSecond.IntentId}");

        Assert.Equal(("filled", 1UL), (filled.GetProperty("state").GetString(), filled.GetProperty("epochId").GetUInt64()));
        Assert.Equal(node.FilledInFirst[0].IntentId.ToString(), filled.GetProperty("intentId").GetString());
        Assert.Equal(node.FilledInFirst[0].InputAmount.ToString(), filled.GetProperty("intent").GetProperty("inputAmount").GetString());
        Assert.Equal(("refunded", 1UL), (refunded.GetProperty("state").GetString(), refunded.GetProperty("epochId").GetUInt64()));
        Assert.Equal(("open", JsonValueKind.Null, 2), (deferred.GetProperty("state").GetString(), deferred.GetProperty("epochId").ValueKind, deferred.GetProperty("timesDeferred").GetInt32()));
        Assert.Equal(("filled", 2UL), (second.GetProperty("state").GetString(), second.GetProperty("epochId").GetUInt64()));
    }

    [Theory]
    [InlineData("/v1/intents/0x12zz")]
    [InlineData("/v1/intents/0x1234")]
    [InlineData("/v1/intents/1234567890123456789012345678901234567890123456789012345678901234")]
    [InlineData("/v1/intents/0xgg34567890123456789012345678901234567890123456789012345678901234")]
    public async Task GetIntent_MalformedId_400NamingIntentId(string path) => await node.AssertProblemAsync(path, 400, "intentId");

    [Fact]
    public async Task GetIntent_Unknown_404Problem() =>
        await node.AssertProblemAsync($"/v1/intents/0x{new string('7', 64)}", 404, parameter: null);

    [Fact]
    public async Task ListEpochs_PagesOfOne_NewestFirstEveryEpochOnceThenNoNext()
    {
        var current = (await node.Epochs.CurrentAsync(default))!.EpochId;
        var seen = new List<ulong>();
        string? next = "/v1/epochs?limit=1";
        while (next is not null)
        {
            var page = await node.GetJsonAsync(next);
            seen.AddRange(page.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epochId").GetUInt64()));
            next = page.GetProperty("next").GetString();
            Assert.True(seen.Count <= (int)current, "paging does not end");
        }

        Assert.Equal(2UL, current);
        Assert.Equal([2UL, 1UL], seen);
    }

    [Fact]
    public async Task ListEpochs_Before_StartsBelowTheCursor()
    {
        var page = await node.GetJsonAsync("/v1/epochs?before=3&limit=10");

        Assert.Equal([2UL, 1UL], page.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epochId").GetUInt64()));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("/v1/epochs?limit=-1", "limit")]
    [InlineData("/v1/epochs?limit=0", "limit")]
    [InlineData("/v1/epochs?limit=1001", "limit")]
    [InlineData("/v1/epochs?limit=ten", "limit")]
    [InlineData("/v1/epochs?before=-2", "before")]
    [InlineData("/v1/epochs/abc", "epochId")]
    [InlineData("/v1/epochs/0", "epochId")]
    [InlineData("/v1/epochs/-1/batch", "epochId")]
    public async Task Epochs_BadParameter_400NamingIt(string path, string parameter) => await node.AssertProblemAsync(path, 400, parameter);

    [Theory]
    [InlineData("/v1/epochs/99")]
    [InlineData("/v1/epochs/99/input")]
    [InlineData("/v1/epochs/3/batch")]
    public async Task Epochs_UnknownEpochOrFileNotYetWritten_404Problem(string path) => await node.AssertProblemAsync(path, 404, parameter: null);

    [Fact]
    public async Task GetEpoch_Margined_TheStoredRecordWithChunksPerChain()
    {
        var record = (await node.Epochs.GetAsync(1, default))!;

        var epoch = await node.GetJsonAsync("/v1/epochs/1");

        Assert.Equal("margined", epoch.GetProperty("stage").GetString());
        Assert.Equal(record.Trigger, epoch.GetProperty("trigger").GetString());
        Assert.Equal(record.BatchRoot.ToString(), epoch.GetProperty("batchRoot").GetString());
        Assert.Equal(record.ManifestHash.ToString(), epoch.GetProperty("manifestHash").GetString());
        var counts = epoch.GetProperty("counts");
        Assert.Equal((7, 5, 1, 1), (counts.GetProperty("intents").GetInt32(), counts.GetProperty("filled").GetInt32(), counts.GetProperty("refunded").GetInt32(), counts.GetProperty("deferred").GetInt32()));
        var chains = epoch.GetProperty("chains").EnumerateArray().ToArray();
        Assert.Equal([NodeWorld.ChainA.Value, NodeWorld.ChainB.Value], chains.Select(c => c.GetProperty("chainId").GetUInt64()));
        foreach (var chain in chains)
        {
            var chunks = chain.GetProperty("chunks").EnumerateArray().ToArray();
            Assert.True(chunks.Length > 1, "several chunks per chain");
            Assert.Equal(chunks.Length, chain.GetProperty("applied").GetInt32());
            foreach (var chunk in chunks)
            {
                var stored = record.Chunks.Single(c => c.ChainId.Value == chain.GetProperty("chainId").GetUInt64() && c.Index == chunk.GetProperty("index").GetUInt32());
                Assert.Equal(stored.TransactionId, chunk.GetProperty("transactionId").GetString());
                Assert.Equal("applied", chunk.GetProperty("stage").GetString());
            }
        }
    }

    [Theory]
    [InlineData("input")]
    [InlineData("batch")]
    [InlineData("manifest")]
    public async Task GetEpochFile_ByteForByteTheStoredBlobAsJson(string file)
    {
        var stored = await node.Epochs.GetBlobAsync(1, file, default);

        using var response = await node.Client.GetAsync($"/v1/epochs/1/{file}");

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(stored, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Reference_Page_IsLocalHtmlThatReadsTheOpenApiDocument()
    {
        using var response = await node.Client.GetAsync("/reference");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("/openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Document_ListsEveryRoute()
    {
        var routes = node.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/'))
            .Where(p => !p.StartsWith("/openapi", StringComparison.Ordinal) && p != "/metrics")
            .ToHashSet();

        var document = await node.GetJsonAsync("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "/v1/health", "/v1/ready", "/v1/intents/{intentId}", "/v1/epochs", "/v1/epochs/{epochId}", "/v1/epochs/{epochId}/input", "/v1/epochs/{epochId}/batch",
            "/v1/intents", "/v1/intents/{intentId}/proof", "/v1/pools", "/reference",
            "/v1/quote", "/v1/intents/build" }, routes);
        Assert.Equal(routes.Order(StringComparer.Ordinal), paths.Order(StringComparer.Ordinal));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"3.1"), document.GetProperty("openapi").GetString()![..3]);
    }
}
