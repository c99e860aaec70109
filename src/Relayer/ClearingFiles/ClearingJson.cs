using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// The number rules shared by epoch.json and batch.json. Reading: any integer may be a JSON number of at most
/// 2^53 or a decimal string. Writing: a u64 (epoch id, chain id) is a JSON number when it is at most 2^53 and
/// a decimal string above; an amount or any other big integer is always a decimal string; 32-byte values are
/// lowercase 0x-hex; enums are camelCase strings.
/// </summary>
internal static class ClearingJson
{
    /// <summary>2^53: the largest integer every JSON reader (JavaScript's included) holds exactly.</summary>
    public const ulong MaxSafeJsonInteger = 1UL << 53;

    /// <summary>
    /// Serialises records the clearing engine owns (the batch's stats) generically, property by property in
    /// declaration order, so that fields it adds later appear without a change here.
    /// </summary>
    public static readonly JsonSerializerOptions RecordOptions = CreateRecordOptions();

    public static void WriteUInt64(Utf8JsonWriter writer, string name, ulong value)
    {
        writer.WritePropertyName(name);
        WriteUInt64Value(writer, value);
    }

    public static void WriteUInt64Value(Utf8JsonWriter writer, ulong value)
    {
        if (value <= MaxSafeJsonInteger)
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static JsonSerializerOptions CreateRecordOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            Converters =
            {
                new UInt64Converter(),
                new ChainIdConverter(),
                new BigIntegerConverter(),
                new UInt256Converter(),
                new Bytes32Converter(),
                new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false),
            },
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private static ulong ReadUInt64(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var number) && number <= MaxSafeJsonInteger)
        {
            return number;
        }

        if (reader.TokenType == JsonTokenType.String
            && ulong.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw new JsonException("Expected a u64: a JSON number up to 2^53 or a decimal string.");
    }

    private static string ReadString(ref Utf8JsonReader reader, string expected) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"Expected {expected} as a string.");

    private sealed class UInt64Converter : JsonConverter<ulong>
    {
        public override ulong Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadUInt64(ref reader);

        public override void Write(Utf8JsonWriter writer, ulong value, JsonSerializerOptions options) => WriteUInt64Value(writer, value);
    }

    private sealed class ChainIdConverter : JsonConverter<ChainId>
    {
        public override ChainId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(ReadUInt64(ref reader));

        public override void Write(Utf8JsonWriter writer, ChainId value, JsonSerializerOptions options) => WriteUInt64Value(writer, value.Value);
    }

    /// <summary>Signed: stats carry net flows, which may be negative.</summary>
    private sealed class BigIntegerConverter : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BigInteger.TryParse(ReadString(ref reader, "an integer"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value
                : throw new JsonException("Expected a decimal integer string.");

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    private sealed class UInt256Converter : JsonConverter<UInt256>
    {
        public override UInt256 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            UInt256.TryParse(ReadString(ref reader, "an amount"), out var value) ? value : throw new JsonException("Expected a uint256 decimal string.");

        public override void Write(Utf8JsonWriter writer, UInt256 value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }

    private sealed class Bytes32Converter : JsonConverter<Bytes32>
    {
        public override Bytes32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Bytes32.TryParse(ReadString(ref reader, "32-byte hex"), out var value) ? value : throw new JsonException("Expected 0x-hex of 32 bytes.");

        public override void Write(Utf8JsonWriter writer, Bytes32 value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
    }
}
