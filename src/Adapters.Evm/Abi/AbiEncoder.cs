using System.Collections;
using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Abi;

/// <summary>
/// Solidity ABI encoding (head/tail, 32-byte words). Values: integers as <see cref="BigInteger"/>, <see cref="UInt256"/>
/// or any primitive integer; addresses as <see cref="EvmAddress"/> (or a left-padded <see cref="Bytes32"/>);
/// bytesN as byte[] or <see cref="Bytes32"/>; bytes as byte[]; arrays and tuples as lists.
/// </summary>
public static class AbiEncoder
{
    /// <summary>abi.encode(values) for the given types.</summary>
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        if (types.Count != values.Count)
        {
            throw new ArgumentException($"{types.Count} types but {values.Count} values.", nameof(values));
        }

        var heads = new List<byte[]>(types.Count);
        var tails = new List<byte[]>();
        var headLength = types.Sum(t => t.HeadSize);
        var tailLength = 0;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                heads.Add(Word(new BigInteger(headLength + tailLength)));
                var tail = EncodeSingle(type, values[i], i);
                tails.Add(tail);
                tailLength += tail.Length;
            }
            else
            {
                heads.Add(EncodeSingle(type, values[i], i));
            }
        }

        var result = new byte[headLength + tailLength];
        var offset = 0;
        foreach (var part in heads.Concat(tails))
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    /// <summary>A call: the 4-byte selector followed by the encoded arguments.</summary>
    public static byte[] EncodeCall(ReadOnlySpan<byte> selector, IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        var arguments = Encode(types, values);
        var result = new byte[4 + arguments.Length];
        selector[..4].CopyTo(result);
        arguments.CopyTo(result, 4);
        return result;
    }

    private static byte[] EncodeSingle(AbiType type, object? value, int index)
    {
        switch (type.Kind)
        {
            case AbiKind.Uint:
            case AbiKind.Int:
                return EncodeInteger(type, ToBigInteger(value, type, index));
            case AbiKind.Address:
                return EncodeAddress(value, index);
            case AbiKind.Bool:
                return value is bool b ? Word(b ? BigInteger.One : BigInteger.Zero) : throw Mismatch(type, value, index);
            case AbiKind.FixedBytes:
                return EncodeFixedBytes(type, value, index);
            case AbiKind.Bytes:
                return EncodeDynamicBytes(value as byte[] ?? throw Mismatch(type, value, index));
            case AbiKind.String:
                return EncodeDynamicBytes(System.Text.Encoding.UTF8.GetBytes(value as string ?? throw Mismatch(type, value, index)));
            case AbiKind.Array:
                var items = ToList(value, type, index);
                if (type.Length is { } fixedLength)
                {
                    if (items.Count != fixedLength)
                    {
                        throw new ArgumentException($"Argument {index}: {type} needs {fixedLength} items, got {items.Count}.");
                    }

                    return Encode(Enumerable.Repeat(type.Element!, fixedLength).ToArray(), items);
                }

                var body = Encode(Enumerable.Repeat(type.Element!, items.Count).ToArray(), items);
                var withLength = new byte[32 + body.Length];
                Word(new BigInteger(items.Count)).CopyTo(withLength, 0);
                body.CopyTo(withLength, 32);
                return withLength;
            default:
                var fields = ToList(value, type, index);
                return Encode(type.Components, fields);
        }
    }

    private static byte[] EncodeInteger(AbiType type, BigInteger value)
    {
        var bits = type.Size;
        if (type.Kind == AbiKind.Uint)
        {
            if (value.Sign < 0 || value >= BigInteger.One << bits)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Out of range for {type}.");
            }

            return Word(value);
        }

        var limit = BigInteger.One << (bits - 1);
        if (value < -limit || value >= limit)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, $"Out of range for {type}.");
        }

        return Word(value.Sign < 0 ? (BigInteger.One << 256) + value : value);
    }

    private static byte[] EncodeAddress(object? value, int index)
    {
        var word = new byte[32];
        switch (value)
        {
            case EvmAddress address:
                address.CopyTo(word.AsSpan(12));
                return word;
            case Bytes32 padded when padded.IsEvmAddress:
                padded.CopyTo(word);
                return word;
            case byte[] { Length: 20 } raw:
                raw.CopyTo(word, 12);
                return word;
            default:
                throw Mismatch(AbiType.Address, value, index);
        }
    }

    private static byte[] EncodeFixedBytes(AbiType type, object? value, int index)
    {
        var word = new byte[32];
        switch (value)
        {
            case Bytes32 b when type.Size == 32:
                b.CopyTo(word);
                return word;
            case byte[] raw when raw.Length == type.Size:
                raw.CopyTo(word, 0);
                return word;
            default:
                throw Mismatch(type, value, index);
        }
    }

    private static byte[] EncodeDynamicBytes(byte[] bytes)
    {
        var padded = (bytes.Length + 31) / 32 * 32;
        var result = new byte[32 + padded];
        Word(new BigInteger(bytes.Length)).CopyTo(result, 0);
        bytes.CopyTo(result, 32);
        return result;
    }

    private static IReadOnlyList<object?> ToList(object? value, AbiType type, int index) => value switch
    {
        IReadOnlyList<object?> list => list,
        IEnumerable enumerable and not string and not byte[] => enumerable.Cast<object?>().ToArray(),
        _ => throw Mismatch(type, value, index),
    };

    private static BigInteger ToBigInteger(object? value, AbiType type, int index) => value switch
    {
        BigInteger big => big,
        UInt256 u => u.ToBigInteger(),
        ulong u => u,
        long l => l,
        uint u => u,
        int i => i,
        ushort s => s,
        short s => s,
        byte b => b,
        sbyte s => s,
        Enum e => Convert.ToUInt64(e, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw Mismatch(type, value, index),
    };

    /// <summary>An unsigned value as one big-endian 32-byte word.</summary>
    internal static byte[] Word(BigInteger value)
    {
        var word = new byte[32];
        value.TryWriteBytes(word.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return word;
    }

    private static ArgumentException Mismatch(AbiType type, object? value, int index) =>
        new($"Argument {index}: cannot encode {value?.GetType().Name ?? "null"} as {type}.");
}
