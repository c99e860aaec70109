using System.Numerics;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DiscreteExec.Aggregator.Tests.Clearing.Arithmetic;

public class SignedBalanceTests
{
    [Property(MaxTest = 500)]
    public Property AddAndSubtract_AnyAmountsAcrossTheInt128Range_SignFollowsTheExactBalance() =>
        Prop.ForAll(ArbMap.Default.ArbFor<(bool Add, byte Bits, ulong Seed)[]>(), ArbMap.Default.ArbFor<(sbyte Bits, ulong Seed)>(), (steps, start) =>
        {
            // Amounts from tiny to 2^256 − 1, so steps stay narrow, overflow Int128 and start wide.
            static BigInteger Scaled(int bits, ulong seed) => ((BigInteger)seed << Math.Max(0, bits - 64)) >> Math.Max(0, 64 - bits);
            var exact = Scaled(Math.Abs((int)start.Bits) * 2, start.Seed) * (start.Bits < 0 ? -1 : 1);
            var balance = new SignedBalance(exact);
            Assert.Equal(exact.Sign, balance.Sign);
            foreach (var (add, bits, seed) in steps)
            {
                var amount = Scaled(bits, seed);
                if (add)
                {
                    balance.Add(UInt256.FromBigInteger(amount));
                    exact += amount;
                }
                else
                {
                    balance.Subtract(UInt256.FromBigInteger(amount));
                    exact -= amount;
                }

                Assert.Equal(exact.Sign, balance.Sign);
            }
        });

    [Fact]
    public void Add_PastInt128Max_MovesToTheWideBalanceExactly()
    {
        var balance = new SignedBalance(Int128.MaxValue);
        balance.Add(1);
        balance.Subtract(UInt256.FromBigInteger((BigInteger)Int128.MaxValue + 1));
        Assert.Equal(0, balance.Sign);
        balance.Subtract(1);
        Assert.Equal(-1, balance.Sign);
    }
}
