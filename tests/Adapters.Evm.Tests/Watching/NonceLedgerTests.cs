using DiscreteExec.Adapters.Evm.Watching;

namespace DiscreteExec.Adapters.Evm.Tests.Watching;

public class NonceLedgerTests
{
    [Fact]
    public void Add_OutOfOrder_AdvancesNextOnlyOverContiguousNonces()
    {
        var ledger = new NonceLedger(3, null);

        Assert.True(ledger.Add(5));
        Assert.True(ledger.Add(6));
        Assert.Equal(3UL, ledger.Next);
        Assert.Equal([5UL, 6UL], ledger.Above);

        Assert.True(ledger.Add(3));
        Assert.Equal(4UL, ledger.Next);
        Assert.True(ledger.Add(4));
        Assert.Equal(7UL, ledger.Next);
        Assert.Empty(ledger.Above);
    }

    [Fact]
    public void Add_NonceEmittedBefore_ReturnsFalse()
    {
        var ledger = new NonceLedger(3, [7]);

        Assert.False(ledger.Add(2));
        Assert.False(ledger.Add(7));
        Assert.True(ledger.Add(8));
        Assert.False(ledger.Add(8));
    }

    [Fact]
    public void Missing_BelowCounter_ListsEveryNonceNeverEmitted()
    {
        var ledger = new NonceLedger(2, [4, 7]);

        Assert.Equal([2UL, 3UL, 5UL, 6UL, 8UL], ledger.Missing(9));
        Assert.Equal([2UL, 3UL], ledger.Missing(4));
        Assert.Empty(ledger.Missing(2));
        Assert.Empty(ledger.Missing(0));
    }

    [Fact]
    public void Constructor_SavedAboveStartsAtNext_AdvancesAndDropsStaleEntries()
    {
        var ledger = new NonceLedger(4, [1, 4, 5, 9]);

        Assert.Equal(6UL, ledger.Next);
        Assert.Equal([9UL], ledger.Above);
    }

    [Fact]
    public void Forget_AfterReorg_ReopensNoncesFromTheCounter()
    {
        var ledger = new NonceLedger(6, [8, 9]);

        ledger.Forget(5);

        Assert.Equal(5UL, ledger.Next);
        Assert.Empty(ledger.Above);
        Assert.True(ledger.Add(5));

        var partial = new NonceLedger(3, [5, 8]);
        partial.Forget(7);
        Assert.Equal(3UL, partial.Next);
        Assert.Equal([5UL], partial.Above);
    }
}
