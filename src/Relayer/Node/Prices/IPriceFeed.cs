using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>One asset's reference price (numeraire per whole token, scaled 1e18), where it came from and when it was observed.</summary>
internal sealed record ReferencePrice(string AssetId, UInt256 Price, string Source, DateTimeOffset ObservedAt);

/// <summary>Why a feed gave no usable price for an asset; an epoch does not close on a stale or missing price.</summary>
internal sealed class PriceUnavailableException(string assetId, string reason) : Exception($"No usable reference price for asset '{assetId}': {reason}")
{
    public string AssetId { get; } = assetId;
}

/// <summary>
/// The reference-price feed (static from configuration, a simulated random walk for the devnet, or an HTTP JSON
/// endpoint). Implementations decide staleness against their configured maximum age using the node's TimeProvider.
/// </summary>
internal interface IPriceFeed
{
    /// <summary>The current price of every configured asset; throws <see cref="PriceUnavailableException"/> naming the first asset without a fresh price.</summary>
    Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken);
}
