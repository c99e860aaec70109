using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>
/// Values below 2^127 in <see cref="UInt128"/>, products in <see cref="UInt256"/>: every product of two
/// values is below 2^254 and the sum of two products below 2^255, so nothing here can overflow.
/// </summary>
internal readonly struct NarrowArithmetic : IExactArithmetic<UInt128, UInt256>
{
    /// <summary>Values must stay below this bound for the fast path to be exact.</summary>
    public static readonly UInt128 Bound = UInt128.One << 127;

    public static UInt128 Zero => UInt128.Zero;

    public static UInt128 Add(UInt128 a, UInt128 b) => a + b;

    public static int Compare(UInt128 a, UInt128 b) => a.CompareTo(b);

    public static UInt256 Multiply(UInt128 a, UInt128 b) => WideMath.Multiply(a, b);

    public static UInt256 AddProducts(UInt256 a, UInt256 b) => a + b;

    public static int CompareProducts(UInt256 a, UInt256 b) => a.CompareTo(b);

    public static BigInteger ToBigInteger(UInt128 value) => value;

    public static UInt128 OrderKey(UInt128 numerator, UInt128 denominator) => WideMath.ScaledRatio(numerator, denominator);

    public static bool TryScale(UInt256 value, int exponent, out UInt128 scaled)
    {
        scaled = default;
        return value.FitsUInt128 && WideMath.TryMultiply(value.AsUInt128, WideMath.Pow10(exponent), out scaled) && scaled < Bound;
    }

    public static bool TryMultiply(UInt128 a, UInt128 b, out UInt128 product) => WideMath.TryMultiply(a, b, out product) && product < Bound;

    public static bool InRange(UInt128 value) => value < Bound;
}
