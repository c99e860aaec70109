using System.Numerics;

namespace DiscreteExec.Adapters.Evm.Encoding;

/// <summary>
/// Recursive Length Prefix encoding (Ethereum yellow paper, appendix B). Items are byte strings or lists of items;
/// integers are encoded big-endian without leading zeros (zero is the empty string).
/// </summary>
internal static class Rlp
{
    /// <summary>Encodes a byte string.</summary>
    public static byte[] EncodeBytes(ReadOnlySpan<byte> value)
    {
        if (value.Length == 1 && value[0] < 0x80)
        {
            return [value[0]];
        }

        var prefix = Prefix(0x80, value.Length);
        var result = new byte[prefix.Length + value.Length];
        prefix.CopyTo(result, 0);
        value.CopyTo(result.AsSpan(prefix.Length));
        return result;
    }

    /// <summary>Encodes an unsigned integer as its minimal big-endian bytes.</summary>
    public static byte[] EncodeInteger(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "RLP integers are unsigned.");
        }

        return EncodeBytes(value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    public static byte[] EncodeInteger(ulong value) => EncodeInteger(new BigInteger(value));

    /// <summary>Encodes a list whose items are already RLP-encoded.</summary>
    public static byte[] EncodeList(params ReadOnlySpan<byte[]> encodedItems)
    {
        var length = 0;
        foreach (var item in encodedItems)
        {
            length += item.Length;
        }

        var prefix = Prefix(0xc0, length);
        var result = new byte[prefix.Length + length];
        prefix.CopyTo(result, 0);
        var offset = prefix.Length;
        foreach (var item in encodedItems)
        {
            item.CopyTo(result, offset);
            offset += item.Length;
        }

        return result;
    }

    /// <summary>Decodes one complete item; trailing bytes or a non-canonical length throw <see cref="FormatException"/>.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> encoded)
    {
        var item = DecodeItem(encoded, out var consumed);
        if (consumed != encoded.Length)
        {
            throw new FormatException($"RLP item ends at byte {consumed} but the input has {encoded.Length}.");
        }

        return item;
    }

    private static RlpItem DecodeItem(ReadOnlySpan<byte> input, out int consumed)
    {
        if (input.IsEmpty)
        {
            throw new FormatException("RLP input is empty.");
        }

        var first = input[0];
        if (first < 0x80)
        {
            consumed = 1;
            return RlpItem.FromBytes([first]);
        }

        if (first < 0xc0)
        {
            var (offset, length) = ReadLength(input, 0x80, 0xb7);
            var payload = input.Slice(offset, length);
            if (length == 1 && payload[0] < 0x80)
            {
                throw new FormatException("Non-canonical RLP: a single byte below 0x80 must encode itself.");
            }

            consumed = offset + length;
            return RlpItem.FromBytes(payload.ToArray());
        }

        var (listOffset, listLength) = ReadLength(input, 0xc0, 0xf7);
        var body = input.Slice(listOffset, listLength);
        var items = new List<RlpItem>();
        while (!body.IsEmpty)
        {
            items.Add(DecodeItem(body, out var used));
            body = body[used..];
        }

        consumed = listOffset + listLength;
        return RlpItem.FromList(items);
    }

    private static (int Offset, int Length) ReadLength(ReadOnlySpan<byte> input, byte shortBase, byte longBase)
    {
        var first = input[0];
        if (first <= longBase)
        {
            var length = first - shortBase;
            EnsureAvailable(input, 1, length);
            return (1, length);
        }

        var lengthOfLength = first - longBase;
        EnsureAvailable(input, 1, lengthOfLength);
        if (input[1] == 0)
        {
            throw new FormatException("Non-canonical RLP: a length with a leading zero.");
        }

        long value = 0;
        for (var i = 0; i < lengthOfLength; i++)
        {
            value = (value << 8) | input[1 + i];
            if (value > int.MaxValue)
            {
                throw new FormatException("RLP length is too large.");
            }
        }

        if (value < 56)
        {
            throw new FormatException("Non-canonical RLP: a long length below 56.");
        }

        EnsureAvailable(input, 1 + lengthOfLength, (int)value);
        return (1 + lengthOfLength, (int)value);
    }

    private static void EnsureAvailable(ReadOnlySpan<byte> input, int offset, int length)
    {
        if ((long)offset + length > input.Length)
        {
            throw new FormatException($"RLP item needs {offset + length} bytes but only {input.Length} remain.");
        }
    }

    private static byte[] Prefix(byte baseByte, int length)
    {
        if (length < 56)
        {
            return [(byte)(baseByte + length)];
        }

        var lengthBytes = new BigInteger(length).ToByteArray(isUnsigned: true, isBigEndian: true);
        var prefix = new byte[1 + lengthBytes.Length];
        prefix[0] = (byte)(baseByte + 55 + lengthBytes.Length);
        lengthBytes.CopyTo(prefix, 1);
        return prefix;
    }
}

/// <summary>A decoded RLP item: either a byte string or a list.</summary>
internal sealed class RlpItem
{
    private RlpItem(byte[]? bytes, IReadOnlyList<RlpItem>? items)
    {
        Bytes = bytes;
        Items = items;
    }

    public byte[]? Bytes { get; }

    public IReadOnlyList<RlpItem>? Items { get; }

    public bool IsList => Items is not null;

    public static RlpItem FromBytes(byte[] bytes) => new(bytes, null);

    public static RlpItem FromList(IReadOnlyList<RlpItem> items) => new(null, items);

    /// <summary>The byte string as an unsigned big-endian integer.</summary>
    public BigInteger AsInteger() =>
        Bytes is { } bytes ? new BigInteger(bytes, isUnsigned: true, isBigEndian: true) : throw new FormatException("Expected an RLP byte string, got a list.");
}
