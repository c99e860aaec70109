using System.Numerics;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Core;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DiscreteExec.Aggregator.Tests.Clearing.Arithmetic;

public class FeeScheduleTests
{
    [Property(MaxTest = 500)]
    public Property TryRequiredGross_AnyLimitAndFee_IsTheLeastGrossThatPays() =>
        Prop.ForAll(Gen.Choose(0, 9999).ToArbitrary(), Gen.Choose(0, 200).ToArbitrary(), ArbMap.Default.ArbFor<ulong>(), (fee, bits, seed) =>
        {
            // Limits from tiny to 2^200 (past the 128-bit path).
            var m = ((BigInteger)seed << Math.Max(0, bits - 64)) >> Math.Max(0, 64 - bits);
            var schedule = new FeeSchedule((uint)fee);
            Assert.True(schedule.TryRequiredGross(UInt256.FromBigInteger(m), out var required));
            var g = required.ToBigInteger();
            BigInteger Payout(BigInteger x) => x - (x * fee / 10_000);
            Assert.True(Payout(g) >= m);
            Assert.True(g.IsZero || Payout(g - 1) < m);
            Assert.Equal(g * fee / 10_000, schedule.Fee(required).ToBigInteger());
        });

    [Fact]
    public void TryRequiredGross_FullFeeWithPositiveLimit_IsUnsatisfiable()
    {
        var schedule = new FeeSchedule(10_000);
        Assert.False(schedule.TryRequiredGross(1, out _));
        Assert.True(schedule.TryRequiredGross(0, out var zero));
        Assert.True(zero.IsZero);
    }

    [Fact]
    public void TryRequiredGross_TenBpsRoundLimit_StartsItsFlatStep()
    {
        // payout(g) = g − floor(g/1000) is flat from 1000k − 1 to 1000k: the least gross paying 999k is 1000k − 1.
        Assert.True(new FeeSchedule(10).TryRequiredGross(999_000, out var required));
        Assert.Equal((UInt256)999_999UL, required);
    }
}
