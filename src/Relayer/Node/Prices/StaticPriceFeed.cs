using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>Fixed prices from configuration; never stale, observed "now".</summary>
internal sealed class StaticPriceFeed : IPriceFeed
{
    public const string SourceName = "static";

    private readonly IReadOnlyList<(string AssetId, UInt256 Price)> _prices;
    private readonly TimeProvider _time;

    public StaticPriceFeed(IReadOnlyList<(string AssetId, UInt256 Price)> prices, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(prices);
        _prices = prices;
        _time = time;
    }

    public Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        IReadOnlyList<ReferencePrice> prices = [.. _prices.Select(p => p.Price.IsZero
            ? throw new PriceUnavailableException(p.AssetId, "the configured price is zero.")
            : new ReferencePrice(p.AssetId, p.Price, SourceName, now))];
        return Task.FromResult(prices);
    }
}
