using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>
/// The exact integer operations the price search needs, so that one search runs on 128-bit values with
/// 256-bit products (the fast path) or on <see cref="BigInteger"/> (any width) without a second copy.
/// A value is an amount, a limit's numerator or denominator, a capacity or a reference price; a product
/// is a value times a value, and the sum of two products must not overflow.
/// </summary>
internal interface IExactArithmetic<TValue, TProduct>
{
    static abstract TValue Zero { get; }

    static abstract TValue Add(TValue a, TValue b);

    static abstract int Compare(TValue a, TValue b);

    static abstract TProduct Multiply(TValue a, TValue b);

    static abstract TProduct AddProducts(TProduct a, TProduct b);

    static abstract int CompareProducts(TProduct a, TProduct b);

    static abstract BigInteger ToBigInteger(TValue value);

    /// <summary>A 128-bit sort key never contradicting the order of numerator/denominator (see <see cref="WideMath.ScaledRatio"/>).</summary>
    static abstract UInt128 OrderKey(TValue numerator, TValue denominator);

    /// <summary>value × 10^exponent, or false when the result leaves the arithmetic's range.</summary>
    static abstract bool TryScale(UInt256 value, int exponent, out TValue scaled);

    /// <summary>a × b as a value, or false when the result leaves the arithmetic's range.</summary>
    static abstract bool TryMultiply(TValue a, TValue b, out TValue product);

    /// <summary>True when a sum (e.g. of a side's amounts) is still a valid value.</summary>
    static abstract bool InRange(TValue value);
}
