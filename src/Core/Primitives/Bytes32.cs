using System.Buffers.Binary;
using System.Globalization;

namespace DiscreteExec.Core;

/// <summary>
/// A 32-byte value: an account, a token, an intent id or a hash. EVM addresses travel
/// left-padded with zeros, Solana public keys as they are. Ordered bytewise ascending.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DiscreteExec.Core.Json.Bytes32JsonConverter))]
public readonly struct Bytes32 : IEquatable<Bytes32>, IComparable<Bytes32>
{
    // Four big-endian words, so that comparing words compares bytes lexicographically.
    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    public Bytes32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 32)
        {
            throw new ArgumentException($"Expected 32 bytes, got {bytes.Length}.", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _w3 = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>The all-zero value.</summary>
    public static Bytes32 Zero => default;

    public bool IsZero => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>True when the upper 12 bytes are zero, i.e. the value can be an EVM address.</summary>
    public bool IsEvmAddress => _w0 == 0 && (_w1 >> 32) == 0;

    /// <summary>Left-pads a 20-byte EVM address.</summary>
    public static Bytes32 FromEvmAddress(ReadOnlySpan<byte> address)
    {
        if (address.Length != 20)
        {
            throw new ArgumentException($"An EVM address has 20 bytes, got {address.Length}.", nameof(address));
        }

        Span<byte> buffer = stackalloc byte[32];
        buffer[..12].Clear();
        address.CopyTo(buffer[12..]);
        return new Bytes32(buffer);
    }

    /// <summary>A value whose last 8 bytes hold <paramref name="value"/> big-endian (handy for tests and ids).</summary>
    public static Bytes32 FromUInt64(ulong value)
    {
        Span<byte> buffer = stackalloc byte[32];
        buffer.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(buffer[24..], value);
        return new Bytes32(buffer);
    }

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _w2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _w3);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[32];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The last 20 bytes, for a value that holds an EVM address.</summary>
    public byte[] ToEvmAddress()
    {
        if (!IsEvmAddress)
        {
            throw new InvalidOperationException($"{this} is not a left-padded EVM address.");
        }

        return ToArray()[12..];
    }

    /// <summary>Parses 0x-prefixed hex of exactly 32 bytes.</summary>
    public static Bytes32 Parse(string hex)
    {
        if (!TryParse(hex, out var value))
        {
            throw new FormatException($"'{hex}' is not 0x-prefixed hex of 32 bytes.");
        }

        return value;
    }

    public static bool TryParse(string? hex, out Bytes32 value)
    {
        value = default;
        if (hex is null || hex.Length != 66 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X'))
        {
            return false;
        }

        Span<byte> buffer = stackalloc byte[32];
        if (Convert.FromHexString(hex.AsSpan(2), buffer, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        value = new Bytes32(buffer);
        return true;
    }

    public override string ToString()
    {
        Span<byte> buffer = stackalloc byte[32];
        CopyTo(buffer);
        return string.Create(66, buffer.ToArray(), static (chars, bytes) =>
        {
            chars[0] = '0';
            chars[1] = 'x';
            for (var i = 0; i < 32; i++)
            {
                bytes[i].TryFormat(chars[(2 + (i * 2))..], out _, "x2", CultureInfo.InvariantCulture);
            }
        });
    }

    public bool Equals(Bytes32 other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    public override bool Equals(object? obj) => obj is Bytes32 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    public int CompareTo(Bytes32 other)
    {
        if (_w0 != other._w0)
        {
            return _w0.CompareTo(other._w0);
        }

        if (_w1 != other._w1)
        {
            return _w1.CompareTo(other._w1);
        }

        return _w2 != other._w2 ? _w2.CompareTo(other._w2) : _w3.CompareTo(other._w3);
    }

    public static bool operator ==(Bytes32 left, Bytes32 right) => left.Equals(right);

    public static bool operator !=(Bytes32 left, Bytes32 right) => !left.Equals(right);

    public static bool operator <(Bytes32 left, Bytes32 right) => left.CompareTo(right) < 0;

    public static bool operator >(Bytes32 left, Bytes32 right) => left.CompareTo(right) > 0;

    public static bool operator <=(Bytes32 left, Bytes32 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(Bytes32 left, Bytes32 right) => left.CompareTo(right) >= 0;
}
