using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace DiscreteExec.Core;

/// <summary>
/// An unsigned 256-bit integer: a token amount in native units (EVM up to 2^256-1, SPL up to 2^64-1).
/// A value type of four 64-bit limbs: no allocation, and a 128-bit fast path for the arithmetic the
/// clearing does on realistic amounts; <see cref="BigInteger"/> only where a value really is wider.
/// Arithmetic is checked: an overflow or underflow throws, it never wraps.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DiscreteExec.Core.Json.UInt256JsonConverter))]
public readonly struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    private readonly ulong _u0; // least significant
    private readonly ulong _u1;
    private readonly ulong _u2;
    private readonly ulong _u3; // most significant

    public UInt256(ulong u3, ulong u2, ulong u1, ulong u0)
    {
        _u0 = u0;
        _u1 = u1;
        _u2 = u2;
        _u3 = u3;
    }

    public static UInt256 Zero => default;

    public static UInt256 One => new(0, 0, 0, 1);

    public static UInt256 MaxValue => new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    public static readonly BigInteger MaxBigInteger = (BigInteger.One << 256) - 1;

    public bool IsZero => (_u0 | _u1 | _u2 | _u3) == 0;

    /// <summary>True when the value fits in 128 bits (the fast path).</summary>
    public bool FitsUInt128 => (_u2 | _u3) == 0;

    /// <summary>True when the value fits in 64 bits (an SPL amount).</summary>
    public bool FitsUInt64 => (_u1 | _u2 | _u3) == 0;

    public UInt128 AsUInt128 => FitsUInt128 ? new UInt128(_u1, _u0) : throw new OverflowException($"{this} does not fit in 128 bits.");

    public ulong AsUInt64 => FitsUInt64 ? _u0 : throw new OverflowException($"{this} does not fit in 64 bits.");

    public static implicit operator UInt256(ulong value) => new(0, 0, 0, value);

    public static implicit operator UInt256(UInt128 value) => new(0, 0, (ulong)(value >> 64), (ulong)value);

    public static UInt256 FromBigInteger(BigInteger value)
    {
        if (value.Sign < 0 || value > MaxBigInteger)
        {
            throw new OverflowException($"{value} is outside the uint256 range.");
        }

        Span<byte> buffer = stackalloc byte[32];
        buffer.Clear();
        value.TryWriteBytes(buffer, out _, isUnsigned: true, isBigEndian: false);
        return new UInt256(
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer));
    }

    public BigInteger ToBigInteger()
    {
        if (FitsUInt128)
        {
            return (BigInteger)new UInt128(_u1, _u0);
        }

        Span<byte> buffer = stackalloc byte[32];
        WriteLittleEndian(buffer);
        return new BigInteger(buffer, isUnsigned: true, isBigEndian: false);
    }

    public void WriteBigEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _u3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _u2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _u1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _u0);
    }

    public void WriteLittleEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _u0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _u1);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _u2);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _u3);
    }

    public static UInt256 ReadBigEndian(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64BigEndian(source),
        BinaryPrimitives.ReadUInt64BigEndian(source[8..]),
        BinaryPrimitives.ReadUInt64BigEndian(source[16..]),
        BinaryPrimitives.ReadUInt64BigEndian(source[24..]));

    public static UInt256 ReadLittleEndian(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(source));

    /// <summary>Parses a non-negative decimal integer of at most 78 digits without sign, spaces or exponent.</summary>
    public static bool TryParse(string? text, out UInt256 value)
    {
        value = default;
        if (string.IsNullOrEmpty(text) || text.Length > 78)
        {
            return false;
        }

        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        if (text.Length <= 38)
        {
            value = UInt128.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
            return true;
        }

        var big = BigInteger.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (big > MaxBigInteger)
        {
            return false;
        }

        value = FromBigInteger(big);
        return true;
    }

    public static UInt256 Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a decimal integer in the uint256 range.");

    public override string ToString() =>
        FitsUInt128 ? new UInt128(_u1, _u0).ToString(CultureInfo.InvariantCulture) : ToBigInteger().ToString(CultureInfo.InvariantCulture);

    public static UInt256 operator +(UInt256 a, UInt256 b)
    {
        var r0 = a._u0 + b._u0;
        var carry = r0 < a._u0 ? 1UL : 0UL;
        var (r1, c1) = AddWithCarry(a._u1, b._u1, carry);
        var (r2, c2) = AddWithCarry(a._u2, b._u2, c1);
        var (r3, c3) = AddWithCarry(a._u3, b._u3, c2);
        return c3 != 0 ? throw new OverflowException("uint256 addition overflowed.") : new UInt256(r3, r2, r1, r0);
    }

    public static UInt256 operator -(UInt256 a, UInt256 b)
    {
        if (a < b)
        {
            throw new OverflowException($"uint256 subtraction underflowed: {a} - {b}.");
        }

        var r0 = a._u0 - b._u0;
        var borrow = a._u0 < b._u0 ? 1UL : 0UL;
        var (r1, b1) = SubtractWithBorrow(a._u1, b._u1, borrow);
        var (r2, b2) = SubtractWithBorrow(a._u2, b._u2, b1);
        var (r3, _) = SubtractWithBorrow(a._u3, b._u3, b2);
        return new UInt256(r3, r2, r1, r0);
    }

    public static UInt256 operator *(UInt256 a, UInt256 b)
    {
        if (a.FitsUInt64 && b.FitsUInt64)
        {
            var high = Math.BigMul(a._u0, b._u0, out var low);
            return new UInt256(0, 0, high, low);
        }

        if (a.FitsUInt128 && b.FitsUInt128)
        {
            var product = (BigInteger)a.AsUInt128 * b.AsUInt128;
            return FromBigInteger(product);
        }

        return FromBigInteger(a.ToBigInteger() * b.ToBigInteger());
    }

    public static UInt256 operator /(UInt256 a, UInt256 b)
    {
        if (b.IsZero)
        {
            throw new DivideByZeroException("uint256 division by zero.");
        }

        return a.FitsUInt128 && b.FitsUInt128 ? a.AsUInt128 / b.AsUInt128 : FromBigInteger(a.ToBigInteger() / b.ToBigInteger());
    }

    public static UInt256 operator %(UInt256 a, UInt256 b)
    {
        if (b.IsZero)
        {
            throw new DivideByZeroException("uint256 division by zero.");
        }

        return a.FitsUInt128 && b.FitsUInt128 ? a.AsUInt128 % b.AsUInt128 : FromBigInteger(a.ToBigInteger() % b.ToBigInteger());
    }

    /// <summary>floor(a * b / c), exact, with no intermediate overflow (the product may take 512 bits).</summary>
    public static UInt256 MultiplyDivide(UInt256 a, UInt256 b, UInt256 c)
    {
        if (c.IsZero)
        {
            throw new DivideByZeroException("uint256 division by zero.");
        }

        if (a.FitsUInt64 && b.FitsUInt64 && c.FitsUInt128)
        {
            var high = Math.BigMul(a._u0, b._u0, out var low);
            return new UInt128(high, low) / c.AsUInt128;
        }

        return FromBigInteger(a.ToBigInteger() * b.ToBigInteger() / c.ToBigInteger());
    }

    public static UInt256 Min(UInt256 a, UInt256 b) => a <= b ? a : b;

    public static UInt256 Max(UInt256 a, UInt256 b) => a >= b ? a : b;

    public bool Equals(UInt256 other) => _u0 == other._u0 && _u1 == other._u1 && _u2 == other._u2 && _u3 == other._u3;

    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_u0, _u1, _u2, _u3);

    public int CompareTo(UInt256 other)
    {
        if (_u3 != other._u3)
        {
            return _u3.CompareTo(other._u3);
        }

        if (_u2 != other._u2)
        {
            return _u2.CompareTo(other._u2);
        }

        return _u1 != other._u1 ? _u1.CompareTo(other._u1) : _u0.CompareTo(other._u0);
    }

    public static bool operator ==(UInt256 left, UInt256 right) => left.Equals(right);

    public static bool operator !=(UInt256 left, UInt256 right) => !left.Equals(right);

    public static bool operator <(UInt256 left, UInt256 right) => left.CompareTo(right) < 0;

    public static bool operator >(UInt256 left, UInt256 right) => left.CompareTo(right) > 0;

    public static bool operator <=(UInt256 left, UInt256 right) => left.CompareTo(right) <= 0;

    public static bool operator >=(UInt256 left, UInt256 right) => left.CompareTo(right) >= 0;

    private static (ulong Sum, ulong Carry) AddWithCarry(ulong a, ulong b, ulong carry)
    {
        var sum = a + b;
        var c = sum < a ? 1UL : 0UL;
        var total = sum + carry;
        c += total < sum ? 1UL : 0UL;
        return (total, c);
    }

    private static (ulong Difference, ulong Borrow) SubtractWithBorrow(ulong a, ulong b, ulong borrow)
    {
        var difference = a - b;
        var bw = a < b ? 1UL : 0UL;
        var total = difference - borrow;
        bw += difference < borrow ? 1UL : 0UL;
        return (total, bw);
    }
}
