using System.Globalization;

namespace DiscreteExec.Adapters.Evm.Abi;

/// <summary>The shape of an ABI type.</summary>
public enum AbiKind
{
    Uint,
    Int,
    Address,
    Bool,
    FixedBytes,
    Bytes,
    String,
    Array,
    Tuple,
}

/// <summary>
/// An ABI type (Solidity ABI spec): elementary types, <c>bytes</c>, <c>string</c>, fixed and dynamic arrays, and tuples.
/// Parsed from and printed as the canonical type string used in signatures, e.g. <c>(uint8,bytes32)[]</c>.
/// </summary>
public sealed class AbiType
{
    private AbiType(AbiKind kind, int size, AbiType? element, int? length, IReadOnlyList<AbiType> components)
    {
        Kind = kind;
        Size = size;
        Element = element;
        Length = length;
        Components = components;
        IsDynamic = kind switch
        {
            AbiKind.Bytes or AbiKind.String => true,
            AbiKind.Array => length is null || element!.IsDynamic,
            AbiKind.Tuple => components.Any(c => c.IsDynamic),
            _ => false,
        };
        CanonicalName = kind switch
        {
            AbiKind.Uint => string.Create(CultureInfo.InvariantCulture, $"uint{size}"),
            AbiKind.Int => string.Create(CultureInfo.InvariantCulture, $"int{size}"),
            AbiKind.Address => "address",
            AbiKind.Bool => "bool",
            AbiKind.FixedBytes => string.Create(CultureInfo.InvariantCulture, $"bytes{size}"),
            AbiKind.Bytes => "bytes",
            AbiKind.String => "string",
            AbiKind.Array => string.Create(CultureInfo.InvariantCulture, $"{element!.CanonicalName}[{length}]"),
            _ => string.Concat("(", string.Join(',', components.Select(c => c.CanonicalName)), ")"),
        };
    }

    public AbiKind Kind { get; }

    /// <summary>Bits for uint/int, bytes for bytesN.</summary>
    public int Size { get; }

    public AbiType? Element { get; }

    /// <summary>The length of a fixed-size array; null for T[].</summary>
    public int? Length { get; }

    public IReadOnlyList<AbiType> Components { get; }

    public bool IsDynamic { get; }

    public string CanonicalName { get; }

    /// <summary>Bytes this type takes in the head of an encoding (32 for any dynamic type: its offset).</summary>
    public int HeadSize => IsDynamic ? 32 : Kind switch
    {
        AbiKind.Array => Length!.Value * Element!.HeadSize,
        AbiKind.Tuple => Components.Sum(c => c.HeadSize),
        _ => 32,
    };

    public static AbiType Uint(int bits) => new(AbiKind.Uint, CheckBits(bits), null, null, []);

    public static AbiType Int(int bits) => new(AbiKind.Int, CheckBits(bits), null, null, []);

    public static AbiType Address { get; } = new(AbiKind.Address, 160, null, null, []);

    public static AbiType Bool { get; } = new(AbiKind.Bool, 8, null, null, []);

    public static AbiType Bytes { get; } = new(AbiKind.Bytes, 0, null, null, []);

    public static AbiType String { get; } = new(AbiKind.String, 0, null, null, []);

    public static AbiType FixedBytes(int size) =>
        size is >= 1 and <= 32 ? new(AbiKind.FixedBytes, size, null, null, []) : throw new ArgumentOutOfRangeException(nameof(size), size, "bytesN needs 1 <= N <= 32.");

    public static AbiType ArrayOf(AbiType element, int? length = null) => new(AbiKind.Array, 0, element, length, []);

    public static AbiType Tuple(params IReadOnlyList<AbiType> components) => new(AbiKind.Tuple, 0, null, null, components);

    /// <summary>Parses a canonical type string such as <c>uint256</c>, <c>address[]</c> or <c>(uint8,bytes32)[2]</c>.</summary>
    public static AbiType Parse(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var position = 0;
        var result = ParseAt(type, ref position);
        if (position != type.Length)
        {
            throw new FormatException($"Unexpected '{type[position..]}' in ABI type '{type}'.");
        }

        return result;
    }

    public override string ToString() => CanonicalName;

    private static AbiType ParseAt(string text, ref int position)
    {
        AbiType baseType;
        if (position < text.Length && text[position] == '(')
        {
            position++;
            var components = new List<AbiType>();
            if (position < text.Length && text[position] == ')')
            {
                position++;
            }
            else
            {
                while (true)
                {
                    components.Add(ParseAt(text, ref position));
                    if (position >= text.Length)
                    {
                        throw new FormatException($"Unclosed tuple in ABI type '{text}'.");
                    }

                    var c = text[position++];
                    if (c == ')')
                    {
                        break;
                    }

                    if (c != ',')
                    {
                        throw new FormatException($"Unexpected '{c}' in ABI type '{text}'.");
                    }
                }
            }

            baseType = Tuple(components);
        }
        else
        {
            var start = position;
            while (position < text.Length && char.IsAsciiLetterOrDigit(text[position]))
            {
                position++;
            }

            baseType = Elementary(text[start..position], text);
        }

        while (position < text.Length && text[position] == '[')
        {
            var close = text.IndexOf(']', position);
            if (close < 0)
            {
                throw new FormatException($"Unclosed array in ABI type '{text}'.");
            }

            var digits = text[(position + 1)..close];
            int? length = digits.Length == 0 ? null : int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
            baseType = ArrayOf(baseType, length);
            position = close + 1;
        }

        return baseType;
    }

    private static AbiType Elementary(string name, string whole) => name switch
    {
        "address" => Address,
        "bool" => Bool,
        "bytes" => Bytes,
        "string" => String,
        "uint" => Uint(256),
        "int" => Int(256),
        _ when name.StartsWith("uint", StringComparison.Ordinal) => Uint(ParseSize(name[4..], whole)),
        _ when name.StartsWith("int", StringComparison.Ordinal) => Int(ParseSize(name[3..], whole)),
        _ when name.StartsWith("bytes", StringComparison.Ordinal) => FixedBytes(ParseSize(name[5..], whole)),
        _ => throw new FormatException($"Unknown ABI type '{name}' in '{whole}'."),
    };

    private static int ParseSize(string digits, string whole) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? size
            : throw new FormatException($"Bad size '{digits}' in ABI type '{whole}'.");

    private static int CheckBits(int bits) =>
        bits is >= 8 and <= 256 && bits % 8 == 0 ? bits : throw new ArgumentOutOfRangeException(nameof(bits), bits, "Integer types need 8 <= bits <= 256, a multiple of 8.");
}
