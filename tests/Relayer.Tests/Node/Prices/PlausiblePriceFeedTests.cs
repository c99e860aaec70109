using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Prices;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Prices;

public sealed class PlausiblePriceFeedTests
{
    private static readonly UInt256 Hundred = UInt256.Parse("100000000000000000000");
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task CurrentAsync_MoveWithinTheBound_Accepted()
    {
        var source = new SettablePrices(Hundred);
        var feed = new PlausiblePriceFeed(new StaticPriceFeed(source.Prices, _time), maxMoveBps: 500);
        await feed.CurrentAsync(default);

        source.Set(UInt256.Parse("105000000000000000000"));
        var prices = await feed.CurrentAsync(default);

        Assert.Equal(UInt256.Parse("105000000000000000000"), Assert.Single(prices).Price);
    }

    [Fact]
    public async Task CurrentAsync_MoveBeyondTheBound_RefusedNamingAssetAndMoveAndKeepsTheLastAcceptedAsBaseline()
    {
        var source = new SettablePrices(Hundred);
        var feed = new PlausiblePriceFeed(new StaticPriceFeed(source.Prices, _time), maxMoveBps: 500);
        await feed.CurrentAsync(default);

        source.Set(UInt256.Parse("94000000000000000000"));
        var refused = await Assert.ThrowsAsync<PriceUnavailableException>(() => feed.CurrentAsync(default));
        Assert.Equal("SOL", refused.AssetId);
        Assert.Contains("moved 600 bps", refused.Message, StringComparison.Ordinal);
        Assert.Contains("PriceFeed:MaxMoveBps (500)", refused.Message, StringComparison.Ordinal);

        // Measured from 100 (the last accepted), not from the refused 94.
        source.Set(UInt256.Parse("96000000000000000000"));
        Assert.Equal(UInt256.Parse("96000000000000000000"), Assert.Single(await feed.CurrentAsync(default)).Price);
    }

    [Fact]
    public async Task CurrentAsync_RandomWalkReadEveryTick_ComparedWithTheLastAcceptedNotTheFirst()
    {
        // 25 bps per tick, read every tick against a 30 bps bound: every step passes, although the walk drifts far
        // more than 30 bps from where it started (which a check against the first price would refuse).
        var walk = new RandomWalkPriceFeed([("SOL", Hundred)], 7, 25, TimeSpan.FromSeconds(1), _time);
        var feed = new PlausiblePriceFeed(walk, maxMoveBps: 30);
        var largestDriftBps = System.Numerics.BigInteger.Zero;
        for (var i = 0; i < 200; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var price = Assert.Single(await feed.CurrentAsync(default)).Price;
            var drift = (price >= Hundred ? price - Hundred : Hundred - price).ToBigInteger() * 10_000 / Hundred.ToBigInteger();
            largestDriftBps = System.Numerics.BigInteger.Max(largestDriftBps, drift);
        }

        Assert.True(largestDriftBps > 30, $"the walk drifted only {largestDriftBps} bps: the test shows nothing");
    }

    /// <summary>One asset whose configured price a test changes between reads.</summary>
    private sealed class SettablePrices(UInt256 initial)
    {
        private readonly List<(string AssetId, UInt256 Price)> _prices = [("SOL", initial)];

        public IReadOnlyList<(string AssetId, UInt256 Price)> Prices => _prices;

        public void Set(UInt256 price) => _prices[0] = ("SOL", price);
    }
}
