using System.Text.Json;
using System.Text.Json.Serialization;

namespace DiscreteExec.Core.Json;

/// <summary>A <see cref="Bytes32"/> as 0x-prefixed lowercase hex of 32 bytes (the bus and store wire format).</summary>
public sealed class Bytes32JsonConverter : JsonConverter<Bytes32>
{
    public override Bytes32 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return Bytes32.TryParse(text, out var value)
            ? value
            : throw new JsonException($"Expected 0x-prefixed hex of 32 bytes, got {Describe(ref reader)}.");
    }

    public override void Write(Utf8JsonWriter writer, Bytes32 value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }

    internal static string Describe(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? $"'{reader.GetString()}'" : reader.TokenType.ToString();
}

/// <summary>A <see cref="UInt256"/> as a decimal string: exact for every value, which a JSON number is not in most readers.</summary>
public sealed class UInt256JsonConverter : JsonConverter<UInt256>
{
    public override UInt256 Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return UInt256.TryParse(text, out var value)
            ? value
            : throw new JsonException($"Expected a decimal integer string in the uint256 range, got {Bytes32JsonConverter.Describe(ref reader)}.");
    }

    public override void Write(Utf8JsonWriter writer, UInt256 value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.ToString());
    }
}

/// <summary>A <see cref="ChainId"/> as a JSON number.</summary>
public sealed class ChainIdJsonConverter : JsonConverter<ChainId>
{
    public override ChainId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetUInt64(out var value))
        {
            return new ChainId(value);
        }

        throw new JsonException($"Expected a chain id as an unsigned 64-bit number, got {Bytes32JsonConverter.Describe(ref reader)}.");
    }

    public override void Write(Utf8JsonWriter writer, ChainId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value.Value);
    }
}
