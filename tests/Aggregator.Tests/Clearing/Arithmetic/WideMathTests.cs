using System.Numerics;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DiscreteExec.Aggregator.Tests.Clearing.Arithmetic;

public class WideMathTests
{
    private static readonly Arbitrary<UInt128> Any128 =
        (from hi in ArbMap.Default.GeneratorFor<ulong>()
         from lo in ArbMap.Default.GeneratorFor<ulong>()
         from shift in Gen.Choose(0, 127)
         select new UInt128(hi, lo) >> shift).ToArbitrary();

    [Property(MaxTest = 500)]
    public Property Multiply_Any128BitValues_EqualsBigIntegerProduct() =>
        Prop.ForAll(Any128, Any128, (a, b) => WideMath.Multiply(a, b).ToBigInteger() == (BigInteger)a * b);

    [Fact]
    public void Multiply_MaxValues_DoesNotOverflow()
    {
        Assert.Equal(((BigInteger)UInt128.MaxValue) * UInt128.MaxValue, WideMath.Multiply(UInt128.MaxValue, UInt128.MaxValue).ToBigInteger());
    }

    [Fact]
    public void ExactSum_PastUInt128_SpillsExactly()
    {
        var sum = default(ExactSum);
        sum.Add(UInt128.MaxValue);
        sum.Add(UInt128.MaxValue);
        sum.Add(UInt256.MaxValue);
        sum.Add(5);
        Assert.Equal((2 * (BigInteger)UInt128.MaxValue) + UInt256.MaxBigInteger + 5, sum.Value);
    }

    [Property(MaxTest = 300)]
    public Property GrossCalculator_FastAndWidePaths_AgreeWithBigInteger() =>
        Prop.ForAll(Any128, Any128, Gen.Choose(0, 18).ToArbitrary(), (input, numerator, exponent) =>
        {
            var denominator = (numerator >> 3) + 1;
            var calculator = new GrossCalculator(numerator + 1, denominator);
            var ok = calculator.TryCompute(input, exponent, 18 - exponent, out var gross, out var remainder);
            var dividend = (BigInteger)input * BigInteger.Pow(10, exponent) * (numerator + (BigInteger)1);
            var divisor = (BigInteger)denominator * BigInteger.Pow(10, 18 - exponent);
            var expected = BigInteger.DivRem(dividend, divisor, out var rest);
            return ok && gross.ToBigInteger() == expected && remainder.ToBigInteger() == rest;
        });

    [Property(MaxTest = 2000)]
    public Property DivRem_QuotientFitting128Bits_EqualsBigIntegerDivision() =>
        Prop.ForAll(Any128, Any128, Any128, (divisor, quotient, offset) =>
        {
            var d = divisor == 0 ? UInt128.One : divisor;
            var r = offset % d;
            var dividend = ((BigInteger)d * quotient) + r;
            var q = WideMath.DivRem(UInt256.FromBigInteger(dividend), d, out var remainder);
            return q == quotient && remainder == r;
        });

    [Theory]
    [InlineData(1, 0)]
    [InlineData(64, 1)]
    [InlineData(127, 5)]
    [InlineData(128, 0)]
    public void DivRem_DivisorsAroundDigitBoundaries_AreExact(int divisorBits, int extra)
    {
        var d = (UInt128.One << (divisorBits - 1)) + (UInt128)extra;
        var dividend = ((BigInteger)d * UInt128.MaxValue) + (d - 1);
        var q = WideMath.DivRem(UInt256.FromBigInteger(dividend), d, out var remainder);
        Assert.Equal((BigInteger)UInt128.MaxValue, (BigInteger)q);
        Assert.Equal(d - 1, remainder);
    }
}
