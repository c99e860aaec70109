using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Prices;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Prices;

/// <summary>The HTTP feed against a real HTTP listener on 127.0.0.1.</summary>
public sealed class HttpJsonPriceFeedTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly HttpClient _http = new();
    private readonly FakeTimeProvider _time = new(Now);

    public void Dispose() => _http.Dispose();

    private HttpJsonPriceFeed Feed(Uri url, string? pricesPath = null, string? timestampPath = null) => new(
        _http,
        new HttpJsonPriceFeedSettings(url, [("USDC", "USDC"), ("SOL", "sol-usd")], pricesPath, timestampPath, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5)),
        _time);

    [Fact]
    public async Task CurrentAsync_StringsAndIntegers_ParsesEveryConfiguredKey()
    {
        await using var server = new LocalHttpServer(_ => (200, """{"USDC": "1000000000000000000", "sol-usd": 150000000000000000000, "other": "x"}"""));

        var prices = await Feed(server.Url).CurrentAsync(CancellationToken.None);

        Assert.Equal(
            [new ReferencePrice("USDC", UInt256.Parse("1000000000000000000"), server.Url.ToString(), Now), new ReferencePrice("SOL", UInt256.Parse("150000000000000000000"), server.Url.ToString(), Now)],
            prices);
    }

    [Fact]
    public async Task CurrentAsync_NestedPricesWithFreshTimestamp_UsesTheTimestamp()
    {
        var stamp = Now.AddSeconds(-30).ToUnixTimeSeconds();
        await using var server = new LocalHttpServer(_ => (200, $$$"""{"data": {"prices": {"USDC": "1", "sol-usd": "2"}, "updatedAt": {{{stamp}}}}}"""));

        var prices = await Feed(server.Url, "data.prices", "data.updatedAt").CurrentAsync(CancellationToken.None);

        Assert.All(prices, p => Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(stamp), p.ObservedAt));
    }

    [Fact]
    public async Task CurrentAsync_StaleTimestamp_ThrowsStale()
    {
        var stamp = Now.AddSeconds(-61).ToUnixTimeSeconds();
        await using var server = new LocalHttpServer(_ => (200, $$"""{"prices": {"USDC": "1", "sol-usd": "2"}, "t": {{stamp}}}"""));

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(server.Url, "prices", "t").CurrentAsync(CancellationToken.None));

        Assert.Equal("USDC", error.AssetId);
        Assert.Contains("stale", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CurrentAsync_ServerError_ThrowsNamingTheStatus()
    {
        await using var server = new LocalHttpServer(_ => (500, "oops"));

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(server.Url).CurrentAsync(CancellationToken.None));

        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
        Assert.Equal("USDC", error.AssetId);
    }

    [Theory]
    [InlineData("{\"USDC\": ")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    public async Task CurrentAsync_GarbledDocument_ThrowsGarbled(string body)
    {
        await using var server = new LocalHttpServer(_ => (200, body));

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(server.Url).CurrentAsync(CancellationToken.None));

        Assert.Contains("garbled", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"1.5\"")]
    [InlineData("1.5")]
    [InlineData("-3")]
    [InlineData("\"0\"")]
    [InlineData("1e18")]
    [InlineData("null")]
    public async Task CurrentAsync_MalformedPrice_ThrowsNamingTheAsset(string price)
    {
        await using var server = new LocalHttpServer(_ => (200, $$"""{"USDC": "1", "sol-usd": {{price}}}"""));

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(server.Url).CurrentAsync(CancellationToken.None));

        Assert.Equal("SOL", error.AssetId);
        Assert.Contains("garbled", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CurrentAsync_MissingAsset_ThrowsMissingNamingTheAsset()
    {
        await using var server = new LocalHttpServer(_ => (200, """{"USDC": "1"}"""));

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(server.Url).CurrentAsync(CancellationToken.None));

        Assert.Equal("SOL", error.AssetId);
        Assert.Contains("missing", error.Message, StringComparison.Ordinal);
        Assert.Contains("sol-usd", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CurrentAsync_NothingListening_ThrowsUnreachable()
    {
        var url = new Uri($"http://127.0.0.1:{LocalHttpServer.FreePort()}/");

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => Feed(url).CurrentAsync(CancellationToken.None));

        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }
}
