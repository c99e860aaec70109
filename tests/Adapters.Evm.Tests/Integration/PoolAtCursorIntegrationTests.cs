using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>The pool read as of a cursor on a real anvil: the figure at that block, whatever moved the pool since.</summary>
[Trait("Category", "Integration")]
public sealed class PoolAtCursorIntegrationTests : IClassFixture<EscrowTestbed>
{
    private readonly EscrowTestbed _bed;

    public PoolAtCursorIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task PoolBalanceAt_PoolFundedAfterTheCursorsBlock_ReadsTheBalanceAtTheCursor()
    {
        await _bed.FundPoolAsync(1_000_000);
        var state = new EscrowState(_bed.Rpc, _bed.Options());
        var token = _bed.Token.ToBytes32();
        var cursor = await CursorAtHeadAsync();
        var atCursor = await _bed.PoolBalanceAsync();

        await _bed.FundPoolAsync(700_000);

        Assert.Equal(atCursor + 700_000, await state.PoolBalanceAsync(token, CancellationToken.None));
        Assert.Equal(atCursor, await state.PoolBalanceAtAsync(token, cursor, CancellationToken.None));
    }

    [Fact]
    public async Task PoolBalanceAt_CursorHashIsNotTheBlocksOrBlockNotYetMined_Throws()
    {
        var state = new EscrowState(_bed.Rpc, _bed.Options());
        var token = _bed.Token.ToBytes32();
        var cursor = await CursorAtHeadAsync();

        var forked = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(token, cursor with { Hash = "0x" + new string('1', 64) }, CancellationToken.None));
        Assert.Contains(cursor.Hash, forked.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(token, new ChainCursor(cursor.Height + 1_000, cursor.Hash), CancellationToken.None));
    }

    private async Task<ChainCursor> CursorAtHeadAsync()
    {
        var header = await _bed.Rpc.GetBlockAsync(BlockTag.Latest, CancellationToken.None);
        return new ChainCursor(header!.Number, header.Hash.ToString());
    }
}
