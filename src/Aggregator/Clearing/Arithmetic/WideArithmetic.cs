using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>Any width, for pairs whose amounts or limits do not fit the 128-bit fast path.</summary>
internal readonly struct WideArithmetic : IExactArithmetic<BigInteger, BigInteger>
{
    public static BigInteger Zero => BigInteger.Zero;

    public static BigInteger Add(BigInteger a, BigInteger b) => a + b;

    public static int Compare(BigInteger a, BigInteger b) => a.CompareTo(b);

    public static BigInteger Multiply(BigInteger a, BigInteger b) => a * b;

    public static BigInteger AddProducts(BigInteger a, BigInteger b) => a + b;

    public static int CompareProducts(BigInteger a, BigInteger b) => a.CompareTo(b);

    public static BigInteger ToBigInteger(BigInteger value) => value;

    public static UInt128 OrderKey(BigInteger numerator, BigInteger denominator) =>
        denominator.IsZero ? UInt128.MaxValue : (UInt128)BigInteger.Min((numerator << 64) / denominator, UInt128.MaxValue);

    public static bool TryScale(UInt256 value, int exponent, out BigInteger scaled)
    {
        scaled = value.ToBigInteger() * BigInteger.Pow(10, exponent);
        return true;
    }

    public static bool TryMultiply(BigInteger a, BigInteger b, out BigInteger product)
    {
        product = a * b;
        return true;
    }

    public static bool InRange(BigInteger value) => true;
}
