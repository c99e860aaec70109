namespace DiscreteExec.Core.Assets;

/// <summary>Looks up which asset a (chain, token) is, and an asset's token on a chain.</summary>
public sealed class AssetRegistry
{
    /// <summary>The largest number of decimals a token may have (all amounts scale to 18).</summary>
    public const int MaxDecimals = 18;

    private readonly Dictionary<(ChainId, Bytes32), (Asset Asset, AssetToken Token)> _byToken = [];
    private readonly Dictionary<string, Asset> _byId = new(StringComparer.Ordinal);

    public AssetRegistry(IEnumerable<Asset> assets)
    {
        ArgumentNullException.ThrowIfNull(assets);
        foreach (var asset in assets)
        {
            if (!_byId.TryAdd(asset.Id, asset))
            {
                throw new ArgumentException($"Asset '{asset.Id}' is registered twice.", nameof(assets));
            }

            foreach (var token in asset.Tokens)
            {
                if (token.Decimals > MaxDecimals)
                {
                    throw new ArgumentException($"Asset '{asset.Id}' on chain {token.ChainId}: decimals {token.Decimals} exceed {MaxDecimals}.", nameof(assets));
                }

                if (!_byToken.TryAdd((token.ChainId, token.Token), (asset, token)))
                {
                    throw new ArgumentException($"Token {token.Token} on chain {token.ChainId} belongs to more than one asset.", nameof(assets));
                }
            }
        }

        Assets = [.. _byId.Values.OrderBy(a => a.Id, StringComparer.Ordinal)];
    }

    /// <summary>Every asset, ordered by id (ordinal).</summary>
    public IReadOnlyList<Asset> Assets { get; }

    public bool TryFind(ChainId chainId, Bytes32 token, out Asset asset, out AssetToken assetToken)
    {
        if (_byToken.TryGetValue((chainId, token), out var found))
        {
            asset = found.Asset;
            assetToken = found.Token;
            return true;
        }

        asset = null!;
        assetToken = null!;
        return false;
    }

    public bool TryGet(string assetId, out Asset asset) => _byId.TryGetValue(assetId, out asset!);

    public bool ContainsChain(ChainId chainId) => _byToken.Keys.Any(k => k.Item1 == chainId);
}
