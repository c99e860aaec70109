namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>Solana's compact-u16 ("shortvec") length prefix: 7 bits per byte, little-endian, at most 3 bytes.</summary>
public static class CompactU16
{
    public const int MaxLength = 3;

    public static int Length(int value) => value < 0x80 ? 1 : value < 0x4000 ? 2 : 3;

    /// <summary>Writes <paramref name="value"/> and returns the number of bytes written.</summary>
    public static int Write(int value, Span<byte> destination)
    {
        if ((uint)value > ushort.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "compact-u16 holds 0..65535.");
        }

        var i = 0;
        var rest = (uint)value;
        while (true)
        {
            var b = (byte)(rest & 0x7f);
            rest >>= 7;
            if (rest == 0)
            {
                destination[i++] = b;
                return i;
            }

            destination[i++] = (byte)(b | 0x80);
        }
    }

    public static void Write(int value, ICollection<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> buffer = stackalloc byte[MaxLength];
        var n = Write(value, buffer);
        for (var i = 0; i < n; i++)
        {
            destination.Add(buffer[i]);
        }
    }

    /// <summary>Reads a value; rejects non-minimal encodings and values above 65535, like the runtime.</summary>
    /// <exception cref="FormatException">Truncated, overlong or out of range.</exception>
    public static int Read(ReadOnlySpan<byte> source, out int bytesRead)
    {
        var value = 0;
        for (var i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
            {
                throw new FormatException("compact-u16 is truncated.");
            }

            var b = source[i];
            value |= (b & 0x7f) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (b == 0 && i > 0)
                {
                    throw new FormatException("compact-u16 is not minimally encoded.");
                }

                if (value > ushort.MaxValue)
                {
                    throw new FormatException("compact-u16 exceeds 65535.");
                }

                bytesRead = i + 1;
                return value;
            }
        }

        throw new FormatException("compact-u16 is longer than 3 bytes.");
    }
}
