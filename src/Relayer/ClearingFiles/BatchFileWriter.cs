using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// Writes batch.json byte for byte deterministically: a fixed property order, 2-space indentation, "\n" line
/// endings and a trailing newline; numbers follow <see cref="ClearingJson"/> (u64 as a number up to 2^53,
/// amounts always as decimal strings, lowercase 0x-hex). The stats are written generically from the record.
/// </summary>
public static class BatchFileWriter
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentCharacter = ' ',
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.Default,
        SkipValidation = false,
    };

    public static byte[] ToUtf8(SettlementBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            Write(writer, batch);
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>The on-file name of an action kind.</summary>
    public static string KindName(ActionKind kind) => kind switch
    {
        ActionKind.Release => "release",
        ActionKind.Refund => "refund",
        ActionKind.Payout => "payout",
        ActionKind.Withdraw => "withdraw",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown action kind."),
    };

    /// <summary>A price as the exact fraction <c>"numerator/denominator"</c>.</summary>
    public static string PriceText(PairPrice price)
    {
        ArgumentNullException.ThrowIfNull(price);
        return string.Create(CultureInfo.InvariantCulture, $"{price.Numerator}/{price.Denominator}");
    }

    private static void Write(Utf8JsonWriter writer, SettlementBatch batch)
    {
        writer.WriteStartObject();
        ClearingJson.WriteUInt64(writer, "epochId", batch.EpochId);
        writer.WriteString("batchRoot", batch.BatchRoot.ToString());

        writer.WriteStartArray("legs");
        foreach (var leg in batch.Legs)
        {
            writer.WriteStartObject();
            ClearingJson.WriteUInt64(writer, "chainId", leg.ChainId.Value);
            writer.WriteString("legHash", leg.LegHash.ToString());
            writer.WriteStartArray("actions");
            foreach (var action in leg.Actions)
            {
                writer.WriteStartObject();
                writer.WriteString("kind", KindName(action.Kind));
                writer.WriteString("intentId", action.IntentId.ToString());
                writer.WriteString("token", action.Token.ToString());
                writer.WriteString("account", action.Account.ToString());
                writer.WriteString("amount", action.Amount.ToString());
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        writer.WriteStartArray("prices");
        foreach (var price in batch.Prices)
        {
            writer.WriteStartObject();
            writer.WriteString("base", price.Base);
            writer.WriteString("quote", price.Quote);
            writer.WriteString("price", PriceText(price));
            writer.WriteEndObject();
        }

        writer.WriteEndArray();

        WriteIds(writer, "filled", batch.Filled);
        WriteIds(writer, "refunded", batch.Refunded);
        WriteIds(writer, "deferred", batch.Deferred);

        writer.WritePropertyName("stats");
        JsonSerializer.Serialize(writer, batch.Stats, ClearingJson.RecordOptions);
        writer.WriteEndObject();
    }

    private static void WriteIds(Utf8JsonWriter writer, string name, IReadOnlyList<DiscreteExec.Core.Bytes32> ids)
    {
        writer.WriteStartArray(name);
        foreach (var id in ids)
        {
            writer.WriteStringValue(id.ToString());
        }

        writer.WriteEndArray();
    }
}
