using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>
/// Splits a leg's actions (in leg order) into chunks that fit the gas budget: at most
/// (MaxGasPerChunk - SettleBaseGas) / GasPerAction actions each. Pure and deterministic, so a retry or another
/// operator with the same settings gets the same (epoch, chunk) boundaries — they must not change while an epoch is in flight.
/// </summary>
public static class ChunkPlanner
{
    public static IReadOnlyList<IReadOnlyList<SettlementAction>> Plan(IReadOnlyList<SettlementAction> actions, long maxGasPerChunk, long settleBaseGas, long gasPerAction)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentOutOfRangeException.ThrowIfLessThan(gasPerAction, 1);
        var perChunk = (maxGasPerChunk - settleBaseGas) / gasPerAction;
        if (perChunk < 1)
        {
            throw new ArgumentException($"A gas budget of {maxGasPerChunk} cannot fit one action ({settleBaseGas} + {gasPerAction}).", nameof(maxGasPerChunk));
        }

        return actions.Chunk((int)Math.Min(perChunk, int.MaxValue)).Select(c => (IReadOnlyList<SettlementAction>)c).ToArray();
    }
}
