using System.Numerics;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Rpc;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>The fees of one offer: what the node expects as the next base fee, what we planned for, and what we offer.</summary>
internal readonly record struct FeeChoice(BigInteger NextBaseFee, BigInteger ProjectedBaseFee, BigInteger Tip, BigInteger MaxFee);

/// <summary>
/// How the submitter prices a transaction and sizes its gas limit, from the chain's recent blocks (integers only):
/// <list type="bullet">
/// <item>tip: the <c>TipPercentile</c> of each recent block's tips (eth_feeHistory rewards), the median over the blocks
/// that used gas, at most <c>MaxPriorityFeePerGasWei</c>;</item>
/// <item>projected base fee: the node's base fee for the next block, plus, when the base fee rose over the window, the
/// window's average rise per block for the <c>ResubmitAfterBlocks</c> blocks we wait before bumping;</item>
/// <item>max fee: projected × (100 + <c>BaseFeeHeadroomPercent</c>) / 100 + tip, at most <c>MaxFeePerGasWei</c>;</item>
/// <item>gas limit: eth_estimateGas + <c>GasLimitMarginPercent</c> (rounded up), at most <c>MaxGasPerChunk</c>.</item>
/// </list>
/// </summary>
internal static class FeePolicy
{
    /// <summary>The median over the blocks that used gas of their tip at the requested percentile; null when no block of the window used gas.</summary>
    public static BigInteger? TipFromHistory(FeeHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var tips = new List<BigInteger>();
        for (var i = 0; i < history.Rewards.Count; i++)
        {
            // An empty block reports a tip of 0 that says nothing about what it takes to be included.
            if (i < history.GasUsed.Count && !history.GasUsed[i])
            {
                continue;
            }

            tips.Add(history.Rewards[i]);
        }

        if (tips.Count == 0)
        {
            return null;
        }

        tips.Sort();
        return tips[(tips.Count - 1) / 2];
    }

    /// <summary>The next block's base fee, raised by the window's rising trend over the blocks we wait before bumping.</summary>
    public static BigInteger ProjectBaseFee(FeeHistory history, int resubmitAfterBlocks)
    {
        ArgumentNullException.ThrowIfNull(history);
        var fees = history.BaseFeePerGas;
        if (fees.Count == 0)
        {
            return BigInteger.Zero;
        }

        var next = fees[^1];
        var oldest = fees[0];
        if (fees.Count < 2 || next <= oldest)
        {
            return next;
        }

        // Average rise per block over the window, projected over the blocks until the first bump.
        return next + ((next - oldest) * resubmitAfterBlocks / (fees.Count - 1));
    }

    /// <summary>The offer: the tip within its cap, the max fee = projected with headroom + tip within its cap, the tip never above the max fee.</summary>
    public static FeeChoice Choose(BigInteger nextBaseFee, BigInteger projectedBaseFee, BigInteger tip, EvmChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cappedTip = BigInteger.Max(BigInteger.Zero, BigInteger.Min(tip, options.MaxPriorityFeePerGasWei));
        var withHeadroom = projectedBaseFee * (100 + options.BaseFeeHeadroomPercent) / 100;
        var maxFee = BigInteger.Min(withHeadroom + cappedTip, options.MaxFeePerGasWei);
        return new FeeChoice(nextBaseFee, projectedBaseFee, BigInteger.Min(cappedTip, maxFee), maxFee);
    }

    /// <summary>From a fee history: <see cref="Choose"/> with <see cref="ProjectBaseFee"/> and <see cref="TipFromHistory"/> (or <paramref name="fallbackTip"/> when no recent block used gas).</summary>
    public static FeeChoice FromHistory(FeeHistory history, BigInteger fallbackTip, EvmChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(history);
        ArgumentNullException.ThrowIfNull(options);
        return Choose(history.NextBaseFee, ProjectBaseFee(history, options.ResubmitAfterBlocks), TipFromHistory(history) ?? fallbackTip, options);
    }

    /// <summary>The gas limit for an estimate that fits <c>MaxGasPerChunk</c>: estimate + margin (rounded up), at most <c>MaxGasPerChunk</c>.</summary>
    public static ulong GasLimit(ulong estimate, EvmChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var max = (ulong)options.MaxGasPerChunk;
        if (estimate > max)
        {
            throw new ArgumentOutOfRangeException(nameof(estimate), estimate, $"the estimate exceeds MaxGasPerChunk ({max})");
        }

        var margin = ((UInt128)estimate * (ulong)options.GasLimitMarginPercent + 99) / 100;
        return (ulong)UInt128.Min(estimate + margin, max);
    }
}
