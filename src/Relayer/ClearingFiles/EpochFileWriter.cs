using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// Writes epoch.json (the clearing input <see cref="EpochFileReader"/> reads) byte for byte deterministically:
/// compact, a fixed property order, assets by id, tokens by chain, pools by (chain, token), intents by id, numbers
/// as in <see cref="ClearingJson"/>. The relayer node stores it as an epoch's "input" blob; `relayer clear` reads it.
/// </summary>
internal static class EpochFileWriter
{
    public static byte[] ToUtf8(EpochInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            ClearingJson.WriteUInt64(writer, "epochId", input.EpochId);
            ClearingJson.WriteUInt64(writer, "closesAt", input.ClosesAt);
            ClearingJson.WriteUInt64(writer, "settlementMarginSeconds", input.SettlementMarginSeconds);
            writer.WriteNumber("feeBps", input.FeeBps);
            writer.WriteNumber("spreadBps", input.SpreadBps);
            writer.WriteStartArray("assets");
            foreach (var asset in input.Assets.OrderBy(a => a.Id, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("id", asset.Id);
                writer.WriteString("refPrice", asset.ReferencePrice.ToString());
                WriteTokens(writer, asset);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            WritePools(writer, input.Pools);
            writer.WriteStartArray("intents");
            foreach (var intent in input.Intents.OrderBy(i => i.IntentId))
            {
                WriteIntent(writer, intent);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>An asset's "tokens" array, ordered by chain id.</summary>
    public static void WriteTokens(Utf8JsonWriter writer, Asset asset)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(asset);
        writer.WriteStartArray("tokens");
        foreach (var token in asset.Tokens.OrderBy(t => t.ChainId))
        {
            writer.WriteStartObject();
            ClearingJson.WriteUInt64(writer, "chainId", token.ChainId.Value);
            writer.WriteString("token", token.Token.ToString());
            writer.WriteNumber("decimals", token.Decimals);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>The "pools" array, ordered by chain id, then token.</summary>
    public static void WritePools(Utf8JsonWriter writer, IEnumerable<PoolBalance> pools)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartArray("pools");
        foreach (var pool in pools.OrderBy(p => p.ChainId).ThenBy(p => p.Token))
        {
            writer.WriteStartObject();
            ClearingJson.WriteUInt64(writer, "chainId", pool.ChainId.Value);
            writer.WriteString("token", pool.Token.ToString());
            writer.WriteString("balance", pool.Balance.ToString());
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteIntent(Utf8JsonWriter writer, Intent intent)
    {
        writer.WriteStartObject();
        writer.WriteString("intentId", intent.IntentId.ToString());
        ClearingJson.WriteUInt64(writer, "originChainId", intent.OriginChainId.Value);
        ClearingJson.WriteUInt64(writer, "depositNonce", intent.DepositNonce);
        writer.WriteString("depositor", intent.Depositor.ToString());
        writer.WriteString("inputToken", intent.InputToken.ToString());
        writer.WriteString("inputAmount", intent.InputAmount.ToString());
        ClearingJson.WriteUInt64(writer, "destinationChainId", intent.DestinationChainId.Value);
        writer.WriteString("outputToken", intent.OutputToken.ToString());
        writer.WriteString("minOutputAmount", intent.MinOutputAmount.ToString());
        writer.WriteString("recipient", intent.Recipient.ToString());
        ClearingJson.WriteUInt64(writer, "fillDeadline", intent.FillDeadline);
        writer.WriteEndObject();
    }
}
