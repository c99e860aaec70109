using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Node.Prices;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// The manifest of a closed epoch: every input of its clearing, each checkable by a verifier. Canonical JSON
/// (compact, fixed property order, every list sorted); <see cref="Hash"/> = keccak256 of exactly these bytes.
/// Cursors: one per chain whose watcher has reported one, in chain id order (a chain without one is not listed).
/// </summary>
internal static class EpochManifest
{
    public static byte[] ToUtf8(EpochInput input, IReadOnlyList<ReferencePrice> prices, IReadOnlyList<(ChainId ChainId, ChainCursor Cursor)> cursors)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(cursors);
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
            foreach (var (chainId, cursor) in cursors.OrderBy(c => c.ChainId))
            {
                writer.WriteStartObject();
                ClearingJson.WriteUInt64(writer, "chainId", chainId.Value);
                ClearingJson.WriteUInt64(writer, "height", cursor.Height);
                writer.WriteString("hash", cursor.Hash);
                writer.WriteEndObject();
            }

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
