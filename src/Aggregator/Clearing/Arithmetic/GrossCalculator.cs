using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>
/// The exact gross output of a fill at a price P/Q (asset units out per asset unit in; 1/1 for a transfer):
/// G = x·P / (Q·10^outExp) in native output units, where x = input·10^inExp. Returns g = floor(G) and the
/// remainder r of that division: the dust is r/Q asset units of the output asset.
/// </summary>
internal sealed class GrossCalculator
{
    private readonly BigInteger _numerator;
    private readonly BigInteger _denominator;
    private readonly UInt128 _fastNumerator;
    private readonly UInt128 _fastDenominator;
    private readonly bool _fast;

    public GrossCalculator(BigInteger numerator, BigInteger denominator)
    {
        _numerator = numerator;
        _denominator = denominator;
        _fast = numerator <= UInt128.MaxValue && denominator <= UInt128.MaxValue;
        if (_fast)
        {
            _fastNumerator = (UInt128)numerator;
            _fastDenominator = (UInt128)denominator;
        }
    }

    /// <summary>The transfer rate 1:1 in asset units.</summary>
    public static GrossCalculator Identity { get; } = new(BigInteger.One, BigInteger.One);

    /// <summary>False when g or the remainder does not fit in 256 bits (such an amount cannot be paid).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryCompute(UInt256 input, int inputExponent, int outputExponent, out UInt256 gross, out UInt256 remainder)
    {
        if (_fast
            && input.FitsUInt128
            && WideMath.TryMultiply(input.AsUInt128, WideMath.Pow10(inputExponent), out var units)
            && WideMath.TryMultiply(_fastDenominator, WideMath.Pow10(outputExponent), out var divisor))
        {
            // units·P takes up to 256 bits; the quotient fits in 128 unless the price is extreme.
            var dividend = WideMath.Multiply(units, _fastNumerator);
            if (dividend < WideMath.Multiply(divisor, UInt128.MaxValue))
            {
                gross = WideMath.DivRem(dividend, divisor, out var rest);
                remainder = rest;
                return true;
            }
        }

        var wideDividend = input.ToBigInteger() * BigInteger.Pow(10, inputExponent) * _numerator;
        var wideDivisor = _denominator * BigInteger.Pow(10, outputExponent);
        var wideGross = BigInteger.DivRem(wideDividend, wideDivisor, out var wideRemainder);
        if (wideGross > UInt256.MaxBigInteger || wideRemainder > UInt256.MaxBigInteger)
        {
            gross = remainder = UInt256.Zero;
            return false;
        }

        gross = UInt256.FromBigInteger(wideGross);
        remainder = UInt256.FromBigInteger(wideRemainder);
        return true;
    }
}
