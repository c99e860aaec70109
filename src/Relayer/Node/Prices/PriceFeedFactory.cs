using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>Builds the configured <see cref="IPriceFeed"/> from validated options (behind <see cref="PlausiblePriceFeed"/> when PriceFeed:MaxMoveBps is set).</summary>
internal static class PriceFeedFactory
{
    public const string HttpClientName = "DiscreteExec.Relayer.Node.Prices";

    public static IPriceFeed Create(NodeOptions options, Func<HttpClient> httpClient, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        var feed = options.PriceFeed;
        var prices = options.Assets.Select(a => (a.AssetId, a.ReferencePrice)).ToList();
        IPriceFeed source = feed.Kind switch
        {
            PriceFeedKind.Static => new StaticPriceFeed(prices, time),
            PriceFeedKind.RandomWalk => new RandomWalkPriceFeed(prices, feed.RandomWalk.Seed, feed.RandomWalk.StepBps, feed.RandomWalk.TickInterval, time),
            PriceFeedKind.Http => new HttpJsonPriceFeed(
                httpClient(),
                new HttpJsonPriceFeedSettings(
                    feed.Http.Url!,
                    [.. options.Assets.Select(a => (a.AssetId, a.EffectivePriceKey))],
                    feed.Http.PricesPath,
                    feed.Http.TimestampPath,
                    feed.Http.MaxAge,
                    feed.Http.Timeout),
                time),
            _ => throw new ArgumentException($"PriceFeed:Kind: '{feed.Kind}' is not a price feed kind.", nameof(options)),
        };
        return feed.MaxMoveBps is { } maxMoveBps ? new PlausiblePriceFeed(source, maxMoveBps) : source;
    }
}
