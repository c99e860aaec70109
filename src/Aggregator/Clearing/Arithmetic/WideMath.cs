using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>Exact helpers on 128/256-bit integers that <see cref="UInt256"/> does not offer allocation-free.</summary>
internal static class WideMath
{
    private static readonly UInt128[] PowersOfTen = BuildPowersOfTen();

    /// <summary>10^exponent for 0 ≤ exponent ≤ 38.</summary>
    public static UInt128 Pow10(int exponent) => PowersOfTen[exponent];

    /// <summary>The full 256-bit product of two 128-bit values.</summary>
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

    /// <summary>a × b when the product fits in 128 bits.</summary>
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
