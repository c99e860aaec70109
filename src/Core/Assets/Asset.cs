namespace DiscreteExec.Core.Assets;

/// <summary>One chain's token for an asset, with its decimals (0–18).</summary>
public sealed record AssetToken(ChainId ChainId, Bytes32 Token, byte Decimals);

/// <summary>
/// A canonical asset (e.g. USDC) with its per-chain tokens and a reference price: the price of one whole
/// token in a common numeraire, scaled by 1e18.
/// </summary>
public sealed record Asset(string Id, UInt256 ReferencePrice, IReadOnlyList<AssetToken> Tokens);
