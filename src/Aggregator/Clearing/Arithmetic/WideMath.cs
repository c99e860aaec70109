using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>Exact helpers on 128/256-bit integers that <see cref="UInt256"/> does not offer allocation-free.</summary>
internal static class WideMath
{
    private static readonly UInt128[] PowersOfTen = BuildPowersOfTen();

    /// <summary>10^exponent for 0 ≤ exponent ≤ 38.</summary>
    public static UInt128 Pow10(int exponent) => PowersOfTen[exponent];

    /// <summary>The full 256-bit product of two 128-bit values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UInt256 Multiply(UInt128 a, UInt128 b)
    {
        var a0 = (ulong)a;
        var a1 = (ulong)(a >> 64);
        var b0 = (ulong)b;
        var b1 = (ulong)(b >> 64);
        var p00 = (UInt128)a0 * b0;
        var p01 = (UInt128)a0 * b1;
        var p10 = (UInt128)a1 * b0;
        var p11 = (UInt128)a1 * b1;
        var mid = (p00 >> 64) + (ulong)p01 + (ulong)p10;
        var high = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + (ulong)p11;
        var top = (ulong)(high >> 64) + (ulong)(p11 >> 64);
        return new UInt256(top, (ulong)high, (ulong)mid, (ulong)p00);
    }

    /// <summary>
    /// floor(dividend / divisor) and the remainder, for a quotient that fits in 128 bits (dividend &lt; divisor·2^128):
    /// Knuth's algorithm D on 64-bit digits (Hacker's Delight, divmnu), so a fill's gross needs no BigInteger.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UInt128 DivRem(UInt256 dividend, UInt128 divisor, out UInt128 remainder)
    {
        if (divisor == UInt128.Zero)
        {
            throw new DivideByZeroException();
        }

        if (dividend.FitsUInt128)
        {
            (var q, remainder) = UInt128.DivRem(dividend.AsUInt128, divisor);
            return q;
        }

        Span<byte> bytes = stackalloc byte[32];
        dividend.WriteLittleEndian(bytes);
        Span<ulong> u =
        [
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]),
        ];

        if ((ulong)(divisor >> 64) == 0)
        {
            // One-digit divisor: two 128-by-64 steps; every partial remainder stays below the divisor.
            var d = (ulong)divisor;
            if (u[3] != 0 || u[2] >= d)
            {
                throw new OverflowException("The quotient does not fit in 128 bits.");
            }

            var (q1, r1) = UInt128.DivRem(((UInt128)u[2] << 64) | u[1], d);
            var (q0, r0) = UInt128.DivRem((r1 << 64) | u[0], d);
            remainder = r0;
            return (q1 << 64) | q0;
        }

        if ((((UInt128)u[3] << 64) | u[2]) >= divisor)
        {
            throw new OverflowException("The quotient does not fit in 128 bits.");
        }

        // Normalise so the divisor's top bit is set; the dividend gains a fifth digit.
        var shift = (int)UInt128.LeadingZeroCount(divisor);
        var v = divisor << shift;
        Span<ulong> vn = [(ulong)v, (ulong)(v >> 64)];
        Span<ulong> un = stackalloc ulong[5];
        un[4] = shift == 0 ? 0 : u[3] >> (64 - shift);
        for (var i = 3; i > 0; i--)
        {
            un[i] = (u[i] << shift) | (shift == 0 ? 0 : u[i - 1] >> (64 - shift));
        }

        un[0] = u[0] << shift;

        Span<ulong> quotient = stackalloc ulong[2];
        for (var j = 1; j >= 0; j--)
        {
            // Estimate the digit from the top two digits, then correct it (at most twice).
            var top = ((UInt128)un[j + 2] << 64) | un[j + 1];
            var qhat = top / vn[1];
            var rhat = top - (qhat * vn[1]);
            while ((qhat >> 64) != 0 || qhat * vn[0] > ((rhat << 64) | un[j]))
            {
                qhat--;
                rhat += vn[1];
                if ((rhat >> 64) != 0)
                {
                    break;
                }
            }

            // Multiply and subtract.
            Int128 t;
            ulong borrow = 0;
            for (var i = 0; i < 2; i++)
            {
                var p = qhat * vn[i];
                t = (Int128)un[i + j] - borrow - (Int128)(ulong)p;
                un[i + j] = (ulong)t;
                borrow = (ulong)(p >> 64) - (ulong)(long)(t >> 64);
            }

            t = (Int128)un[j + 2] - borrow;
            un[j + 2] = (ulong)t;
            quotient[j] = (ulong)qhat;
            if (t < 0)
            {
                // The estimate was one too large: add the divisor back.
                quotient[j]--;
                UInt128 carry = 0;
                for (var i = 0; i < 2; i++)
                {
                    var sum = (UInt128)un[i + j] + vn[i] + carry;
                    un[i + j] = (ulong)sum;
                    carry = sum >> 64;
                }

                un[j + 2] += (ulong)carry;
            }
        }

        var rest = ((UInt128)un[1] << 64) | un[0];
        remainder = (rest >> shift) | (shift == 0 ? UInt128.Zero : (UInt128)un[2] << (128 - shift));
        return ((UInt128)quotient[1] << 64) | quotient[0];
    }

    /// <summary>
    /// min(floor(2^64 · numerator / denominator), 2^128 − 1), and the maximum for a zero denominator (+∞): a 128-bit
    /// key that never contradicts the order of the fractions, so they can be sorted as primitives.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UInt128 ScaledRatio(UInt128 numerator, UInt128 denominator)
    {
        // numerator < denominator · 2^64 ⇔ floor(numerator / 2^64) < denominator: then the quotient fits in 128 bits.
        if ((numerator >> 64) >= denominator)
        {
            return UInt128.MaxValue;
        }

        return DivRem(new UInt256(0, (ulong)(numerator >> 64), (ulong)numerator, 0), denominator, out _);
    }

    /// <summary>value × 2^64 for a value below 2^192.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static UInt256 ShiftLeft64(UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteLittleEndian(bytes);
        if (BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]) != 0)
        {
            throw new OverflowException("Shifting would drop bits.");
        }

        return new UInt256(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            0);
    }

    /// <summary>a × b when the product fits in 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryMultiply(UInt128 a, UInt128 b, out UInt128 product)
    {
        var wide = Multiply(a, b);
        if (wide.FitsUInt128)
        {
            product = wide.AsUInt128;
            return true;
        }

        product = default;
        return false;
    }

    private static UInt128[] BuildPowersOfTen()
    {
        var powers = new UInt128[39];
        powers[0] = 1;
        for (var i = 1; i < powers.Length; i++)
        {
            powers[i] = powers[i - 1] * 10;
        }

        return powers;
    }
}
