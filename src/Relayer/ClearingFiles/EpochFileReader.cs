using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// Reads epoch.json (docs/ARCHITECTURE.md, "The clearing file format") into an <see cref="EpochInput"/>.
/// Strict about what it reads, silent about what it does not: unknown fields are ignored so that older
/// relayers read newer files. Reports the first problem only, in document order (top-level fields, then
/// assets, pools and intents, each item's fields in the order of the format), as an <see cref="EpochFileException"/>.
/// </summary>
public static class EpochFileReader
{
    /// <summary>Basis points cannot exceed 100%.</summary>
    public const uint MaxBps = 10_000;

    public static async Task<EpochInput> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EpochFileException($"cannot read the file: {ex.Message}", ex);
        }

        return Parse(bytes);
    }

    public static EpochInput Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonFields.ParseDocument(utf8, Fail);
        var root = JsonFields.Root(document, Fail);

        var epochId = root.UInt64("epochId");
        var closesAt = root.UInt64("closesAt");
        var margin = root.UInt64("settlementMarginSeconds");
        if (closesAt > ulong.MaxValue - margin)
        {
            throw root.FieldError("settlementMarginSeconds", "closesAt + settlementMarginSeconds exceeds a u64");
        }

        var feeBps = root.UInt32("feeBps", MaxBps);
        var spreadBps = root.UInt32("spreadBps", MaxBps);
        var assets = ReadAssets(root);
        var pools = ReadPools(root, assets);
        var intents = ReadIntents(root);

        return new EpochInput
        {
            EpochId = epochId,
            ClosesAt = closesAt,
            SettlementMarginSeconds = margin,
            FeeBps = feeBps,
            SpreadBps = spreadBps,
            Assets = assets,
            Pools = pools,
            Intents = intents,
        };
    }

    private static List<Asset> ReadAssets(JsonFields root)
    {
        var items = root.Objects("assets");
        if (items.Count == 0)
        {
            throw root.FieldError("assets", "the list is empty; an epoch needs at least one asset");
        }

        var assetIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var tokens = new Dictionary<(ChainId, Bytes32), string>();
        var assets = new List<Asset>(items.Count);
        foreach (var item in items)
        {
            var id = item.String("id");
            if (!assetIds.TryAdd(id, item.Where))
            {
                throw item.FieldError("id", $"duplicate asset id '{id}', first given at {assetIds[id]}");
            }

            var refPrice = item.Amount("refPrice");
            if (refPrice.IsZero)
            {
                throw item.FieldError("refPrice", "must be positive: a zero reference price cannot value anything");
            }

            var tokenItems = item.Objects("tokens");
            if (tokenItems.Count == 0)
            {
                throw item.FieldError("tokens", $"the list is empty; asset '{id}' needs a token on at least one chain");
            }

            var chains = new HashSet<ChainId>();
            var assetTokens = new List<AssetToken>(tokenItems.Count);
            foreach (var tokenItem in tokenItems)
            {
                var chainId = new ChainId(tokenItem.UInt64("chainId"));
                var token = tokenItem.Bytes32("token");
                var decimals = (byte)tokenItem.UInt32("decimals", AssetRegistry.MaxDecimals);
                if (!chains.Add(chainId))
                {
                    throw tokenItem.FieldError("chainId", $"asset '{id}' already has a token on chain {chainId}");
                }

                if (!tokens.TryAdd((chainId, token), $"{tokenItem.Where} (asset '{id}')"))
                {
                    throw tokenItem.FieldError("token", $"token {token} on chain {chainId} is registered twice, first at {tokens[(chainId, token)]}");
                }

                assetTokens.Add(new AssetToken(chainId, token, decimals));
            }

            assets.Add(new Asset(id, refPrice, assetTokens));
        }

        return assets;
    }

    private static List<PoolBalance> ReadPools(JsonFields root, List<Asset> assets)
    {
        var registry = new AssetRegistry(assets);
        var seen = new Dictionary<(ChainId, Bytes32), string>();
        var pools = new List<PoolBalance>();
        foreach (var item in root.Objects("pools"))
        {
            var chainId = new ChainId(item.UInt64("chainId"));
            var token = item.Bytes32("token");
            var balance = item.Amount("balance");
            if (!registry.ContainsChain(chainId))
            {
                throw item.Error($"chainId {chainId} is not a chain of any asset");
            }

            if (!registry.TryFind(chainId, token, out _, out _))
            {
                throw item.Error($"token {token} is not registered on chain {chainId}");
            }

            if (!seen.TryAdd((chainId, token), item.Where))
            {
                throw item.Error($"a second pool for token {token} on chain {chainId}, first given at {seen[(chainId, token)]}");
            }

            pools.Add(new PoolBalance(chainId, token, balance));
        }

        return pools;
    }

    private static List<Intent> ReadIntents(JsonFields root)
    {
        var seen = new Dictionary<Bytes32, string>();
        var intents = new List<Intent>();
        foreach (var item in root.Objects("intents", LabelIntent))
        {
            var intent = new Intent
            {
                IntentId = item.Bytes32("intentId"),
                OriginChainId = new ChainId(item.UInt64("originChainId")),
                DepositNonce = item.UInt64("depositNonce"),
                Depositor = item.Bytes32("depositor"),
                InputToken = item.Bytes32("inputToken"),
                InputAmount = item.Amount("inputAmount"),
                DestinationChainId = new ChainId(item.UInt64("destinationChainId")),
                OutputToken = item.Bytes32("outputToken"),
                MinOutputAmount = item.Amount("minOutputAmount"),
                Recipient = item.Bytes32("recipient"),
                FillDeadline = item.UInt64("fillDeadline"),
            };

            if (!seen.TryAdd(intent.IntentId, item.Path))
            {
                throw item.FieldError("intentId", $"duplicate intent id, first given at {seen[intent.IntentId]}");
            }

            intents.Add(intent);
        }

        return intents;
    }

    private static string? LabelIntent(JsonElement intent) =>
        JsonFields.TryReadBytes32(intent, "intentId") is { } id ? $"intentId {id}" : null;

    private static EpochFileException Fail(string message) => new(message);
}
