using System.Numerics;
using DiscreteExec.Relayer.Cli;

namespace DiscreteExec.Relayer.Tests.Cli;

public class FractionFormatTests
{
    [Theory]
    [InlineData("3000", "1", "3000.0000")]
    [InlineData("6009", "2", "3004.5000")]
    [InlineData("1", "3", "0.33333333")]
    [InlineData("2", "3", "0.66666666")]
    [InlineData("1", "3000", "0.00033333333")]
    [InlineData("123456789", "1", "123456780")]
    [InlineData("99999999", "100000000", "0.99999999")]
    [InlineData("999999999", "100000000", "9.9999999")]
    [InlineData("0", "7", "0")]
    [InlineData("1", "1", "1.0000000")]
    [InlineData("10000000000000000000000000000000", "1", "1.0000000e+31")]
    [InlineData("1", "10000000000000000000000000000000", "1.0000000e-31")]
    public void Approximate_Fraction_RoundsDownToEightSignificantDigits(string numerator, string denominator, string expected) =>
        Assert.Equal(expected, FractionFormat.Approximate(BigInteger.Parse(numerator), BigInteger.Parse(denominator)));
}
