using System.Numerics;

namespace DiscreteExec.Adapters.Evm.Abi;

/// <summary>
/// Solidity ABI decoding with bounds checks: every offset and length must lie inside the data. Values come back as
/// <see cref="BigInteger"/> (integers), <see cref="EvmAddress"/>, bool, byte[] (bytesN and bytes), string, and
/// object?[] for arrays and tuples. Malformed data throws <see cref="AbiDecodingException"/>.
/// </summary>
internal static class AbiDecoder
{
    public static object?[] Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        return DecodeSequence(types, data, 0);
    }

    private static object?[] DecodeSequence(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, int start)
    {
        var values = new object?[types.Count];
        var head = start;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, head, "offset");
                values[i] = DecodeAt(type, data, Checked(start, offset, data));
                head += 32;
            }
            else
            {
                values[i] = DecodeAt(type, data, head);
                head += type.HeadSize;
            }
        }

        return values;
    }

    private static object? DecodeAt(AbiType type, ReadOnlySpan<byte> data, int position)
    {
        switch (type.Kind)
        {
            case AbiKind.Uint:
            {
                var value = new BigInteger(Word(data, position), isUnsigned: true, isBigEndian: true);
                if (value >= BigInteger.One << type.Size)
                {
                    throw new AbiDecodingException($"Value at byte {position} does not fit {type}.");
                }

                return value;
            }

            case AbiKind.Int:
            {
                var value = new BigInteger(Word(data, position), isUnsigned: false, isBigEndian: true);
                var limit = BigInteger.One << (type.Size - 1);
                if (value < -limit || value >= limit)
                {
                    throw new AbiDecodingException($"Value at byte {position} does not fit {type}.");
                }

                return value;
            }

            case AbiKind.Address:
            {
                var word = Word(data, position);
                if (word[..12].IndexOfAnyExcept((byte)0) >= 0)
                {
                    throw new AbiDecodingException($"Address at byte {position} has non-zero upper bytes.");
                }

                return new EvmAddress(word[12..]);
            }

            case AbiKind.Bool:
            {
                var word = Word(data, position);
                if (word[..31].IndexOfAnyExcept((byte)0) >= 0 || word[31] > 1)
                {
                    throw new AbiDecodingException($"Bool at byte {position} is neither 0 nor 1.");
                }

                return word[31] == 1;
            }

            case AbiKind.FixedBytes:
                return Word(data, position)[..type.Size].ToArray();
            case AbiKind.Bytes:
                return DynamicBytes(data, position).ToArray();
            case AbiKind.String:
                return System.Text.Encoding.UTF8.GetString(DynamicBytes(data, position));
            case AbiKind.Array:
            {
                int count;
                var start = position;
                if (type.Length is { } fixedLength)
                {
                    count = fixedLength;
                }
                else
                {
                    count = ReadLength(data, position, "array length");
                    start = position + 32;
                }

                // Each item takes at least one word, so a huge count in short data fails before allocating.
                if ((long)count * 32 > data.Length - start)
                {
                    throw new AbiDecodingException($"Array at byte {position} claims {count} items beyond the data.");
                }

                var items = DecodeSequence(Enumerable.Repeat(type.Element!, count).ToArray(), data, start);
                return items;
            }

            default:
                return DecodeSequence(type.Components, data, position);
        }
    }

    private static ReadOnlySpan<byte> DynamicBytes(ReadOnlySpan<byte> data, int position)
    {
        var length = ReadLength(data, position, "byte length");
        var start = position + 32;
        if ((long)start + length > data.Length)
        {
            throw new AbiDecodingException($"Bytes at byte {position} claim {length} bytes beyond the data.");
        }

        return data.Slice(start, length);
    }

    private static ReadOnlySpan<byte> Word(ReadOnlySpan<byte> data, int position)
    {
        if (position < 0 || (long)position + 32 > data.Length)
        {
            throw new AbiDecodingException($"Word at byte {position} is beyond the {data.Length}-byte data.");
        }

        return data.Slice(position, 32);
    }

    private static int ReadLength(ReadOnlySpan<byte> data, int position, string what)
    {
        var word = Word(data, position);
        if (word[..28].IndexOfAnyExcept((byte)0) >= 0 || word[28] >= 0x80)
        {
            throw new AbiDecodingException($"The {what} at byte {position} is too large.");
        }

        return (word[28] << 24) | (word[29] << 16) | (word[30] << 8) | word[31];
    }

    private static int Checked(int start, int offset, ReadOnlySpan<byte> data)
    {
        var position = (long)start + offset;
        return position > data.Length
            ? throw new AbiDecodingException($"Offset {offset} from byte {start} is beyond the {data.Length}-byte data.")
            : (int)position;
    }
}

/// <summary>ABI data that does not decode as the expected types.</summary>
public sealed class AbiDecodingException : Exception
{
    public AbiDecodingException(string message)
        : base(message)
    {
    }

    public AbiDecodingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AbiDecodingException()
    {
    }
}
