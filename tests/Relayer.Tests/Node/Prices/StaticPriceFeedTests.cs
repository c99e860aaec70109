using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Prices;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Prices;

public class StaticPriceFeedTests
{
    [Fact]
    public async Task CurrentAsync_ConfiguredPrices_ReturnsThemObservedNow()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        var feed = new StaticPriceFeed([("USDC", UInt256.Parse("1000000000000000000")), ("SOL", UInt256.Parse("150000000000000000000"))], time);

        var prices = await feed.CurrentAsync(CancellationToken.None);

        Assert.Equal(
            [new ReferencePrice("USDC", UInt256.Parse("1000000000000000000"), "static", time.GetUtcNow()), new ReferencePrice("SOL", UInt256.Parse("150000000000000000000"), "static", time.GetUtcNow())],
            prices);
    }

    [Fact]
    public async Task CurrentAsync_ZeroPrice_ThrowsNamingTheAsset()
    {
        var feed = new StaticPriceFeed([("USDC", UInt256.Zero)], new FakeTimeProvider());

        var error = await Assert.ThrowsAsync<PriceUnavailableException>(() => feed.CurrentAsync(CancellationToken.None));

        Assert.Equal("USDC", error.AssetId);
    }
}
