using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Prices;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Prices;

public class RandomWalkPriceFeedTests
{
    private static readonly UInt256 One = UInt256.Parse("1000000000000000000");
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    private static RandomWalkPriceFeed Feed(ulong seed, int stepBps, FakeTimeProvider time) =>
        new([("USDC", One), ("SOL", UInt256.Parse("150000000000000000000"))], seed, stepBps, Tick, time);

    [Fact]
    public async Task CurrentAsync_BeforeTheFirstTick_ReturnsTheStartPrices()
    {
        var time = new FakeTimeProvider();
        var prices = await Feed(7, 25, time).CurrentAsync(CancellationToken.None);

        Assert.Equal([One, UInt256.Parse("150000000000000000000")], prices.Select(p => p.Price));
        Assert.All(prices, p => Assert.Equal(time.GetUtcNow(), p.ObservedAt));
    }

    [Fact]
    public async Task CurrentAsync_SameSeedAndElapsedTime_SamePricesWhateverTheCallPattern()
    {
        var steppedTime = new FakeTimeProvider();
        var jumpedTime = new FakeTimeProvider();
        var stepped = Feed(42, 50, steppedTime);
        var jumped = Feed(42, 50, jumpedTime);
        for (var i = 0; i < 100; i++)
        {
            steppedTime.Advance(Tick);
            await stepped.CurrentAsync(CancellationToken.None);
        }

        jumpedTime.Advance(Tick * 100);

        Assert.Equal(
            (await stepped.CurrentAsync(CancellationToken.None)).Select(p => p.Price),
            (await jumped.CurrentAsync(CancellationToken.None)).Select(p => p.Price));
    }

    [Fact]
    public async Task CurrentAsync_DifferentSeeds_WalkDifferently()
    {
        var timeA = new FakeTimeProvider();
        var timeB = new FakeTimeProvider();
        var a = Feed(1, 50, timeA);
        var b = Feed(2, 50, timeB);
        timeA.Advance(Tick * 50);
        timeB.Advance(Tick * 50);

        Assert.NotEqual(
            (await a.CurrentAsync(CancellationToken.None)).Select(p => p.Price),
            (await b.CurrentAsync(CancellationToken.None)).Select(p => p.Price));
    }

    [Fact]
    public async Task CurrentAsync_EveryTick_MovesAtMostTheStepAndMovesAtAll()
    {
        const int stepBps = 30;
        var time = new FakeTimeProvider();
        var feed = Feed(99, stepBps, time);
        var previous = (await feed.CurrentAsync(CancellationToken.None)).Select(p => p.Price).ToArray();
        var moved = 0;
        for (var tick = 1; tick <= 500; tick++)
        {
            time.Advance(Tick);
            var current = (await feed.CurrentAsync(CancellationToken.None)).ToArray();
            for (var i = 0; i < current.Length; i++)
            {
                // |current - previous| <= previous * step / 10000, plus the one unit a downward step's rounding adds.
                var difference = current[i].Price > previous[i] ? current[i].Price - previous[i] : previous[i] - current[i].Price;
                Assert.True(difference * (UInt256)10_000ul < (previous[i] * (UInt256)(ulong)stepBps) + (UInt256)10_000ul, $"tick {tick}: {previous[i]} -> {current[i].Price}");
                moved += difference.IsZero ? 0 : 1;
                Assert.Equal(time.GetUtcNow(), current[i].ObservedAt);
            }

            previous = [.. current.Select(p => p.Price)];
        }

        Assert.True(moved > 900, $"only {moved} of 1000 steps moved the price");
    }

    [Fact]
    public async Task CurrentAsync_BetweenTicks_ReportsTheLastTicksTime()
    {
        var time = new FakeTimeProvider();
        var start = time.GetUtcNow();
        var feed = Feed(3, 25, time);
        time.Advance(TimeSpan.FromMilliseconds(2_500));

        var prices = await feed.CurrentAsync(CancellationToken.None);

        Assert.All(prices, p => Assert.Equal(start + (Tick * 2), p.ObservedAt));
    }

    [Fact]
    public void Step_ManyDraws_StaysWithinBoundsAndReachesBothEnds()
    {
        var steps = Enumerable.Range(1, 10_000).Select(t => RandomWalkPriceFeed.Step(5, t, 0, 10)).ToArray();

        Assert.All(steps, s => Assert.InRange(s, -10, 10));
        Assert.Contains(-10, steps);
        Assert.Contains(10, steps);
    }
}
