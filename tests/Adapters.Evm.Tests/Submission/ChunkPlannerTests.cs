using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Tests.Submission;

public class ChunkPlannerTests
{
    private static readonly SettlementAction[] Actions = Enumerable.Range(0, 10)
        .Select(i => new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)i), Bytes32.Zero, Bytes32.FromUInt64(1), 1))
        .ToArray();

    [Fact]
    public void Plan_OverBudget_SplitsInLegOrder()
    {
        var chunks = ChunkPlanner.Plan(Actions, maxGasPerChunk: 100_000 + (4 * 60_000), settleBaseGas: 100_000, gasPerAction: 60_000);
        Assert.Equal([4, 4, 2], chunks.Select(c => c.Count));
        Assert.Equal(Actions, chunks.SelectMany(c => c));
    }

    [Fact]
    public void Plan_WithinBudget_IsOneChunk() =>
        Assert.Single(ChunkPlanner.Plan(Actions, 10_000_000, 100_000, 60_000));

    [Fact]
    public void Plan_BudgetBelowOneAction_Throws() =>
        Assert.Throws<ArgumentException>(() => ChunkPlanner.Plan(Actions, 150_000, 100_000, 60_000));
}
