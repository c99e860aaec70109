using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Node.Prices;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// The manifest of a closed epoch: every input of its clearing, each checkable by a verifier. Canonical JSON
/// (compact, fixed property order, every list sorted); <see cref="Hash"/> = keccak256 of exactly these bytes.
/// Chain cursors are not listed yet: the chain adapters expose none to the loop (a later issue).
/// </summary>
internal static class EpochManifest
{
    public static byte[] ToUtf8(EpochInput input, IReadOnlyList<ReferencePrice> prices)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(prices);
        var sources = prices.ToDictionary(p => p.AssetId, StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            ClearingJson.WriteUInt64(writer, "epochId", input.EpochId);
            ClearingJson.WriteUInt64(writer, "closesAt", input.ClosesAt);
            writer.WriteNumber("feeBps", input.FeeBps);
            writer.WriteNumber("spreadBps", input.SpreadBps);
            ClearingJson.WriteUInt64(writer, "settlementMarginSeconds", input.SettlementMarginSeconds);
            writer.WriteStartArray("assets");
            foreach (var asset in input.Assets.OrderBy(a => a.Id, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("id", asset.Id);
                writer.WriteString("refPrice", asset.ReferencePrice.ToString());
                if (sources.TryGetValue(asset.Id, out var price))
                {
                    writer.WriteString("priceSource", price.Source);
                    writer.WriteNumber("priceObservedAt", price.ObservedAt.ToUnixTimeMilliseconds());
                }

                EpochFileWriter.WriteTokens(writer, asset);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("cursors");
            writer.WriteEndArray();
            writer.WriteStartArray("intentIds");
            foreach (var intent in input.Intents.OrderBy(i => i.IntentId))
            {
                writer.WriteStringValue(intent.IntentId.ToString());
            }

            writer.WriteEndArray();
            EpochFileWriter.WritePools(writer, input.Pools);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static Bytes32 Hash(ReadOnlySpan<byte> manifest) => Keccak256.Hash(manifest);
}
