using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// Reads the fields of one JSON object of a clearing file, strictly, and reports the first problem as an
/// exception whose message names the object's path (e.g. <c>intents[3] (intentId 0x…)</c>) and the field.
/// Fields the object has but nobody asks for are ignored: the formats are forward compatible.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _element;
    private readonly string _path;
    private readonly Func<string, Exception> _error;

    private JsonFields(JsonElement element, string path, string? label, Func<string, Exception> error)
    {
        _element = element;
        _path = path;
        Where = label is null ? path : $"{path} ({label})";
        _error = error;
    }

    /// <summary>The object's JSON path (e.g. <c>intents[3]</c>), empty for the document root.</summary>
    public string Path => _path;

    /// <summary>The object's path with its label, or empty for the document root.</summary>
    public string Where { get; }

    /// <summary>Parses a whole document, which must be a JSON object; malformed JSON is reported with its line and position.</summary>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8, Func<string, Exception> error)
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        if (utf8.Span.StartsWith(bom))
        {
            utf8 = utf8[bom.Length..];
        }

        var options = new JsonDocumentOptions
        {
            AllowTrailingCommas = false,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowDuplicateProperties = false,
            MaxDepth = 64,
        };
        try
        {
            return JsonDocument.Parse(utf8, options);
        }
        catch (JsonException ex)
        {
            // The reader's message ends with its own 0-based "LineNumber: … | BytePositionInLine: …"; say it 1-based.
            var reason = ex.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = cut >= 0 ? reason[..cut] : reason;
            var line = (ex.LineNumber ?? 0) + 1;
            var position = (ex.BytePositionInLine ?? 0) + 1;
            throw error($"malformed JSON at line {line}, position {position}: {reason}");
        }
    }

    /// <summary>The document's root, which must be an object.</summary>
    public static JsonFields Root(JsonDocument document, Func<string, Exception> error)
    {
        ArgumentNullException.ThrowIfNull(document);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
            ? new JsonFields(root, string.Empty, null, error)
            : throw error($"the document must be a JSON object, got {Describe(root)}");
    }

    public Exception Error(string problem) => _error(Where.Length == 0 ? problem : $"{Where}: {problem}");

    public Exception FieldError(string field, string problem) => Error($"field '{field}': {problem}");

    public bool Has(string field) => _element.TryGetProperty(field, out _);

    public JsonElement Get(string field) =>
        _element.TryGetProperty(field, out var value) ? value : throw Error($"field '{field}' is missing");

    /// <summary>A non-empty string.</summary>
    public string String(string field)
    {
        var value = Get(field);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw FieldError(field, $"expected a string, got {Describe(value)}");
        }

        var text = value.GetString()!;
        return text.Length > 0 ? text : throw FieldError(field, "must not be empty");
    }

    public ulong UInt64(string field)
    {
        var value = Integer(field);
        return value <= ulong.MaxValue
            ? (ulong)value
            : throw FieldError(field, $"{Show(Get(field))} is out of range for a u64 (at most {ulong.MaxValue})");
    }

    /// <summary>An integer between 0 and <paramref name="max"/> inclusive.</summary>
    public uint UInt32(string field, uint max)
    {
        var value = Integer(field);
        return value <= max
            ? (uint)value
            : throw FieldError(field, $"{Show(Get(field))} is out of range 0..{max}");
    }

    /// <summary>An amount: any integer from 0 to 2^256-1.</summary>
    public UInt256 Amount(string field)
    {
        var value = Integer(field);
        return value <= UInt256.MaxBigInteger
            ? UInt256.FromBigInteger(value)
            : throw FieldError(field, $"{Show(Get(field))} exceeds 2^256-1");
    }

    /// <summary>0x-prefixed hex of exactly 32 bytes, either case.</summary>
    public Bytes32 Bytes32(string field)
    {
        var value = Get(field);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw FieldError(field, $"expected 0x-hex of 32 bytes, got {Describe(value)}");
        }

        return DiscreteExec.Core.Bytes32.TryParse(value.GetString(), out var parsed)
            ? parsed
            : throw FieldError(field, $"{Show(value)} is not 0x-prefixed hex of exactly 32 bytes");
    }

    /// <summary>The objects of an array field, each with its path (<c>name[i]</c>) and an optional label.</summary>
    public IReadOnlyList<JsonFields> Objects(string field, Func<JsonElement, string?>? label = null)
    {
        var value = Get(field);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw FieldError(field, $"expected an array, got {Describe(value)}");
        }

        var prefix = _path.Length == 0 ? field : $"{_path}.{field}";
        var items = new List<JsonFields>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            var path = $"{prefix}[{items.Count.ToString(CultureInfo.InvariantCulture)}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw _error($"{path}: expected an object, got {Describe(item)}");
            }

            items.Add(new JsonFields(item, path, label?.Invoke(item), _error));
        }

        return items;
    }

    /// <summary>Reads the 32-byte value of a field if it is there and well formed; for labels in messages.</summary>
    public static string? TryReadBytes32(JsonElement element, string field) =>
        element.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String
            && DiscreteExec.Core.Bytes32.TryParse(value.GetString(), out var parsed)
            ? parsed.ToString()
            : null;

    /// <summary>
    /// A non-negative integer given as a JSON number of at most 2^53 (larger ones lose precision in most JSON
    /// readers) or as a string of decimal digits.
    /// </summary>
    private BigInteger Integer(string field)
    {
        var value = Get(field);
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (raw.StartsWith('-'))
                {
                    throw FieldError(field, $"{Show(value)} is negative; expected a non-negative integer");
                }

                if (!raw.All(char.IsAsciiDigit))
                {
                    throw FieldError(field, $"{Show(value)} is not an integer");
                }

                var number = BigInteger.Parse(raw, NumberStyles.None, CultureInfo.InvariantCulture);
                return number <= ClearingJson.MaxSafeJsonInteger
                    ? number
                    : throw FieldError(field, $"{Show(value)} is above 2^53 and loses precision as a JSON number; write it as a decimal string: \"{raw}\"");
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (text.Length == 0 || !text.All(char.IsAsciiDigit))
                {
                    throw FieldError(field, $"{Show(value)} is not a non-negative decimal integer");
                }

                // More digits than 2^256 has cannot fit anything here; stop before parsing an arbitrarily long string.
                return text.Length <= 80
                    ? BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture)
                    : throw FieldError(field, $"a {text.Length.ToString(CultureInfo.InvariantCulture)}-digit number exceeds 2^256-1");
            default:
                throw FieldError(field, $"expected an integer (a JSON number up to 2^53 or a decimal string), got {Describe(value)}");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {Show(value)}",
        JsonValueKind.Number => $"the number {Show(value)}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    /// <summary>The value as written in the file, shortened for a message.</summary>
    private static string Show(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 90 ? raw : string.Concat(raw.AsSpan(0, 87), "...");
    }
}
