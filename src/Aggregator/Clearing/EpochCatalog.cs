using System.Runtime.CompilerServices;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>A registered (chain, token): its asset, its exponent to asset units (18 − decimals) and its pool before the epoch.</summary>
internal sealed record TokenKey(ChainId ChainId, Bytes32 Token, int Asset, int Exponent, UInt256 PoolBefore);

/// <summary>
/// The epoch's registry, indexed for the clearing: assets by ordinal id, registered tokens ordered by (chain, token)
/// with their pool balances. Rejects what makes the epoch meaningless (bad settings, a duplicate token or pool).
/// </summary>
internal sealed class EpochCatalog
{
    private const uint BpsScale = 10_000;
    private const int LinearScanLimit = 16;
    private readonly Dictionary<(ChainId, Bytes32), int> _keyIndex = [];

    public EpochCatalog(EpochInput input)
    {
        if (input.FeeBps > BpsScale)
        {
            throw new ClearingInputException($"feeBps {input.FeeBps} exceeds {BpsScale}.");
        }

        if (input.SpreadBps > BpsScale)
        {
            throw new ClearingInputException($"spreadBps {input.SpreadBps} exceeds {BpsScale}.");
        }

        AssetRegistry registry;
        try
        {
            registry = new AssetRegistry(input.Assets);
        }
        catch (ArgumentException e)
        {
            throw new ClearingInputException(e.Message, e);
        }

        Assets = [.. registry.Assets];
        foreach (var asset in Assets)
        {
            if (asset.ReferencePrice.IsZero)
            {
                throw new ClearingInputException($"Asset '{asset.Id}': refPrice must be positive.");
            }
        }

        var balances = new Dictionary<(ChainId, Bytes32), UInt256>();
        foreach (var pool in input.Pools)
        {
            if (!balances.TryAdd((pool.ChainId, pool.Token), pool.Balance))
            {
                throw new ClearingInputException($"Pool of token {pool.Token} on chain {pool.ChainId} is listed twice.");
            }
        }

        var keys = new List<TokenKey>();
        for (var a = 0; a < Assets.Length; a++)
        {
            foreach (var token in Assets[a].Tokens)
            {
                balances.TryGetValue((token.ChainId, token.Token), out var before);
                keys.Add(new TokenKey(token.ChainId, token.Token, a, AssetRegistry.MaxDecimals - token.Decimals, before));
            }
        }

        keys.Sort(static (x, y) => x.ChainId != y.ChainId ? x.ChainId.CompareTo(y.ChainId) : x.Token.CompareTo(y.Token));
        Keys = [.. keys];
        for (var k = 0; k < Keys.Length; k++)
        {
            _keyIndex.Add((Keys[k].ChainId, Keys[k].Token), k);
        }

        // A chain whose registered tokens are all 20-byte addresses is an EVM chain (a Solana mint with 12 leading
        // zero bytes does not occur in practice); its escrow can only pay 20-byte addresses.
        EvmChains = [.. Keys.GroupBy(k => k.ChainId).Where(g => g.All(k => k.Token.IsEvmAddress)).Select(g => g.Key)];
    }

    /// <summary>Chains whose tokens are all EVM addresses: recipients there must be non-zero 20-byte addresses.</summary>
    public HashSet<ChainId> EvmChains { get; }

    /// <summary>Whether the destination escrow can pay <paramref name="recipient"/>: never the zero account; on an EVM chain only a 20-byte address.</summary>
    public bool CanPay(ChainId destination, Bytes32 recipient) =>
        !recipient.IsZero && (recipient.IsEvmAddress || !EvmChains.Contains(destination));

    /// <summary>Assets ordered by id (ordinal); an asset's index is its position here.</summary>
    public Asset[] Assets { get; }

    /// <summary>Registered tokens ordered by (chain id, token).</summary>
    public TokenKey[] Keys { get; }

    /// <summary>The key index of a registered (chain, token), or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int Find(ChainId chainId, Bytes32 token)
    {
        // A registry has a handful of tokens: a scan beats hashing a 40-byte key a million times.
        if (Keys.Length <= LinearScanLimit)
        {
            for (var k = 0; k < Keys.Length; k++)
            {
                if (Keys[k].Token == token && Keys[k].ChainId == chainId)
                {
                    return k;
                }
            }

            return -1;
        }

        return _keyIndex.TryGetValue((chainId, token), out var index) ? index : -1;
    }
}
