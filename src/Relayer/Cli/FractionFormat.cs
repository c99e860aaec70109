using System.Globalization;
using System.Numerics;

namespace DiscreteExec.Relayer.Cli;

/// <summary>Decimal approximations of exact fractions, with integer arithmetic only (no floating point).</summary>
internal static class FractionFormat
{
    /// <summary>
    /// numerator/denominator rounded down to <paramref name="significantDigits"/> significant digits, in
    /// positional notation (e.g. 3000.0000, 0.00033333333), or as d.ddde±N when the exponent passes ±24.
    /// </summary>
    public static string Approximate(BigInteger numerator, BigInteger denominator, int significantDigits = 8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numerator);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(denominator);
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        if (numerator.IsZero)
        {
            return "0";
        }

        // Find the scale k with 10^(digits-1) <= floor(n * 10^k / d) < 10^digits; the value is digits * 10^-k.
        var low = BigInteger.Pow(10, significantDigits - 1);
        var high = low * 10;
        var scale = significantDigits - 1 - (DigitCount(numerator) - DigitCount(denominator));
        var digits = Scaled(numerator, denominator, scale);
        while (digits >= high)
        {
            digits = Scaled(numerator, denominator, --scale);
        }

        while (digits < low)
        {
            digits = Scaled(numerator, denominator, ++scale);
        }

        var text = digits.ToString(CultureInfo.InvariantCulture);
        var exponent = significantDigits - 1 - scale;
        if (exponent is > 24 or < -24)
        {
            var mantissa = significantDigits == 1 ? text : $"{text[0]}.{text[1..]}";
            return string.Create(CultureInfo.InvariantCulture, $"{mantissa}e{(exponent > 0 ? "+" : string.Empty)}{exponent}");
        }

        if (scale <= 0)
        {
            return text + new string('0', -scale);
        }

        var integerDigits = significantDigits - scale;
        return integerDigits > 0
            ? $"{text[..integerDigits]}.{text[integerDigits..]}"
            : $"0.{new string('0', -integerDigits)}{text}";
    }

    private static BigInteger Scaled(BigInteger numerator, BigInteger denominator, int scale) =>
        scale >= 0
            ? numerator * BigInteger.Pow(10, scale) / denominator
            : numerator / (denominator * BigInteger.Pow(10, -scale));

    private static int DigitCount(BigInteger value) => value.ToString(CultureInfo.InvariantCulture).Length;
}
