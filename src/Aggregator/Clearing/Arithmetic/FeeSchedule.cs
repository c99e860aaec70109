using System.Numerics;
using System.Runtime.CompilerServices;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>
/// The fee on a fill: fee = floor(g × feeBps / 10000) of the integer gross g, payout = g − fee. The required gross
/// g* of a limit m is the least g whose payout is at least m; an intent is eligible at a price iff its exact gross
/// output G ≥ g* (exact, because g* is an integer and floor(G) ≥ g* ⇔ G ≥ g*).
/// </summary>
internal sealed class FeeSchedule(uint feeBps)
{
    private const uint Scale = 10_000;

    // Below this every intermediate of the 128-bit path (m × 10000, g × feeBps) fits.
    private static readonly UInt128 FastBound = UInt128.One << 110;

    // Below this, m × 10000 fits in 64 bits (most 6- and 8-decimal amounts): hardware division.
    private const ulong SmallBound = 1UL << 48;

    public uint FeeBps { get; } = feeBps;

    /// <summary>g*, or false when no gross can pay the limit (fee of 100 % with a positive limit, or g* beyond uint256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRequiredGross(UInt256 minOutput, out UInt256 required)
    {
        required = UInt256.Zero;
        if (minOutput.IsZero)
        {
            return true;
        }

        if (FeeBps >= Scale)
        {
            return false;
        }

        if (minOutput.FitsUInt64 && minOutput.AsUInt64 < SmallBound)
        {
            required = LeastGross(minOutput.AsUInt64, (ulong)FeeBps);
            return true;
        }

        if (minOutput.FitsUInt128 && minOutput.AsUInt128 < FastBound)
        {
            required = LeastGross(minOutput.AsUInt128, (UInt128)FeeBps);
            return true;
        }

        var wide = LeastGross(minOutput.ToBigInteger(), FeeBps);
        if (wide > UInt256.MaxBigInteger)
        {
            return false;
        }

        required = UInt256.FromBigInteger(wide);
        return true;
    }

    /// <summary>floor(gross × feeBps / 10000).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public UInt256 Fee(UInt256 gross)
    {
        if (gross.FitsUInt128 && gross.AsUInt128 < FastBound)
        {
            return gross.AsUInt128 * FeeBps / Scale;
        }

        return UInt256.FromBigInteger(gross.ToBigInteger() * FeeBps / Scale);
    }

    /// <summary>
    /// payout(g) = g − floor(g·f/10000) is non-decreasing and g·(1 − f/10000) ≤ payout(g) &lt; g·(1 − f/10000) + 1,
    /// so the least g with payout(g) ≥ m lies in (floor((m−1)·10000/(10000−f)), ceil(m·10000/(10000−f))]:
    /// a window of about 10000/(10000−f) values, searched by bisection.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T LeastGross<T>(T minOutput, T feeBps)
        where T : IBinaryInteger<T>
    {
        var scale = T.CreateChecked(Scale);
        var keep = scale - feeBps;
        var high = ((minOutput * scale) + keep - T.One) / keep; // payout(high) ≥ m
        var low = (minOutput - T.One) * scale / keep;            // payout(low) < m
        while (high - low > T.One)
        {
            var middle = low + ((high - low) / (T.One + T.One));
            if (middle - (middle * feeBps / scale) >= minOutput)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }
}
