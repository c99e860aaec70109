using System.Numerics;

namespace DiscreteExec.Core.Tests.Primitives;

public class UInt256Tests
{
    private static readonly BigInteger Max = (BigInteger.One << 256) - 1;

    [Theory]
    [InlineData("0")]
    [InlineData("18446744073709551616")]
    [InlineData("340282366920938463463374607431768211456")]
    [InlineData("115792089237316195423570985008687907853269984665640564039457584007913129639935")]
    public void Parse_RoundTripsThroughToString(string text) => Assert.Equal(text, UInt256.Parse(text).ToString());

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1e5")]
    [InlineData(" 1")]
    [InlineData("115792089237316195423570985008687907853269984665640564039457584007913129639936")]
    public void TryParse_NotAUint256_ReturnsFalse(string text) => Assert.False(UInt256.TryParse(text, out _));

    [Fact]
    public void Arithmetic_RandomOperands_AgreesWithBigInteger()
    {
        var random = new Random(1234);
        for (var i = 0; i < 20_000; i++)
        {
            var a = RandomValue(random);
            var b = RandomValue(random);
            var c = RandomValue(random);
            var (ba, bb, bc) = (a.ToBigInteger(), b.ToBigInteger(), c.ToBigInteger());

            Assert.Equal(ba.CompareTo(bb), a.CompareTo(b));
            if (ba + bb <= Max)
            {
                Assert.Equal(ba + bb, (a + b).ToBigInteger());
            }
            else
            {
                Assert.Throws<OverflowException>(() => a + b);
            }

            if (ba >= bb)
            {
                Assert.Equal(ba - bb, (a - b).ToBigInteger());
            }
            else
            {
                Assert.Throws<OverflowException>(() => a - b);
            }

            if (ba * bb <= Max)
            {
                Assert.Equal(ba * bb, (a * b).ToBigInteger());
            }

            if (!b.IsZero)
            {
                Assert.Equal(ba / bb, (a / b).ToBigInteger());
                Assert.Equal(ba % bb, (a % b).ToBigInteger());
            }

            if (!c.IsZero && ba * bb / bc <= Max)
            {
                Assert.Equal(ba * bb / bc, UInt256.MultiplyDivide(a, b, c).ToBigInteger());
            }
        }
    }

    [Fact]
    public void BigEndian_RoundTrips()
    {
        var value = UInt256.Parse("115792089237316195423570985008687907853269984665640564039457584007913129639935") - UInt256.Parse("12345678901234567890123");
        Span<byte> buffer = stackalloc byte[32];
        value.WriteBigEndian(buffer);
        Assert.Equal(value, UInt256.ReadBigEndian(buffer));
        Assert.Equal(value.ToBigInteger(), new BigInteger(buffer, isUnsigned: true, isBigEndian: true));
    }

    private static UInt256 RandomValue(Random random)
    {
        // Mix widths so both the 64/128-bit fast paths and the wide path are hit.
        var bits = random.Next(5) switch { 0 => 8, 1 => 64, 2 => 127, 3 => 200, _ => 256 };
        var bytes = new byte[32];
        random.NextBytes(bytes);
        var value = new BigInteger(bytes, isUnsigned: true) & ((BigInteger.One << bits) - 1);
        return UInt256.FromBigInteger(value);
    }
}
