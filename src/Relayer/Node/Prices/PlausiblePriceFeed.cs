using System.Globalization;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>
/// Refuses a price that moved more than <c>PriceFeed:MaxMoveBps</c> from the last price it accepted for that asset,
/// as a stale price is refused: <see cref="PriceUnavailableException"/> (no epoch closes; the loop reports it). The
/// baseline stays the last accepted price, so a feed glitch does not become the new reference; a genuine jump beyond
/// the bound stops epochs until the operator raises the bound or restarts the node (the first price is always taken).
/// </summary>
internal sealed class PlausiblePriceFeed(IPriceFeed inner, int maxMoveBps) : IPriceFeed
{
    private const int BasisPoints = 10_000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, UInt256> _lastAccepted = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken)
    {
        var prices = await inner.CurrentAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var price in prices)
            {
                if (_lastAccepted.TryGetValue(price.AssetId, out var last) && !last.IsZero)
                {
                    var move = price.Price >= last ? price.Price - last : last - price.Price;
                    // move / last > maxMoveBps / 10,000, in integers: move * 10,000 > last * maxMoveBps.
                    if (move.ToBigInteger() * BasisPoints > last.ToBigInteger() * maxMoveBps)
                    {
                        var movedBps = move.ToBigInteger() * BasisPoints / last.ToBigInteger();
                        throw new PriceUnavailableException(price.AssetId, string.Create(CultureInfo.InvariantCulture,
                            $"{price.Price} from {price.Source} moved {movedBps} bps from the last accepted {last}, more than PriceFeed:MaxMoveBps ({maxMoveBps})"));
                    }
                }
            }

            foreach (var price in prices)
            {
                _lastAccepted[price.AssetId] = price.Price;
            }
        }

        return prices;
    }
}
