using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// <see cref="EscrowState.PoolBalanceAtAsync"/> on the dev node: the live pool stands for the pool at a cursor slot
/// unless a transaction above the slot may have moved the pool state's <c>pool</c> field (Fund, Settle, CreatePool);
/// a deposit (Open) writes the same account (its <c>escrowed</c> field) and leaves the answer known.
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class PoolAtCursorIntegrationTests(DevnodeFixture node)
{
    [Fact]
    public async Task PoolBalanceAtAsync_NothingAfterCursor_ReturnsPool()
    {
        using var funder = DevnodeFixture.Key("pool-at-cursor-quiet");
        var ata = await TokenAccountAsync(funder);
        await node.SendAsync([node.Escrow.Fund(funder.PublicKey, ata, node.Mint, 1_000)], funder);
        var cursor = await CursorAfterAsync();

        var balance = await State().PoolBalanceAtAsync(node.Mint, cursor, default);

        Assert.Equal((UInt256)(await node.PoolAsync()).Pool, balance);
    }

    [Fact]
    public async Task PoolBalanceAtAsync_DepositAfterCursor_ReturnsPoolAtCursor()
    {
        using var funder = DevnodeFixture.Key("pool-at-cursor-deposit");
        var ata = await TokenAccountAsync(funder);
        await node.SendAsync([node.Escrow.Fund(funder.PublicKey, ata, node.Mint, 1_000)], funder);
        var cursor = await CursorAfterAsync();
        var atCursor = await node.PoolAsync();

        var (_, deposit) = await node.OpenAsync(funder, new OpenIntentParams(node.Mint, 2_500, DevnodeFixture.EvmChain, Bytes32.FromUInt64(5), 1, Bytes32.FromUInt64(6), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200));
        await AssertAboveAsync(deposit, cursor);
        var now = await node.PoolAsync();
        Assert.Equal(atCursor.Escrowed + 2_500, now.Escrowed); // the deposit did write the pool state account

        var balance = await State().PoolBalanceAtAsync(node.Mint, cursor, default);

        Assert.Equal((UInt256)atCursor.Pool, balance);
    }

    [Fact]
    public async Task PoolBalanceAtAsync_FundAfterCursor_ThrowsNamingTheTransaction()
    {
        using var funder = DevnodeFixture.Key("pool-at-cursor-fund");
        var ata = await TokenAccountAsync(funder);
        var cursor = await CursorAfterAsync();
        var fund = await node.SendAsync([node.Escrow.Fund(funder.PublicKey, ata, node.Mint, 700)], funder);
        await AssertAboveAsync(fund, cursor);

        var refused = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => State().PoolBalanceAtAsync(node.Mint, cursor, default));

        Assert.Contains(fund, refused.Message, StringComparison.Ordinal);
    }

    private EscrowState State() => new(node.Rpc, node.Options());

    /// <summary>Gives <paramref name="funder"/> lamports and test tokens; returns its token account.</summary>
    private async Task<Bytes32> TokenAccountAsync(SolanaKeypair funder)
    {
        await node.FundSolAsync(funder.PublicKey);
        return await node.MintToAsync(funder.PublicKey, 10_000_000);
    }

    /// <summary>
    /// A cursor at the current slot, taken once every earlier transaction is confirmed; the dev node then moves on a
    /// few slots (its clock could move it one slot meanwhile, never ten), so what lands next lands above the cursor.
    /// </summary>
    private async Task<ChainCursor> CursorAfterAsync()
    {
        var slot = await node.Rpc.GetSlotAsync(Commitment.Confirmed, default);
        await node.Rpc.CallAsync("devnode_warpSlot", w => w.WriteNumberValue(slot + 10), _ => 0, default);
        return new ChainCursor(slot, string.Empty);
    }

    /// <summary>The test means something only when the transaction landed above the cursor's slot.</summary>
    private async Task AssertAboveAsync(string signature, ChainCursor cursor)
    {
        var transaction = await node.Rpc.GetTransactionAsync(signature, Commitment.Confirmed, default);
        Assert.NotNull(transaction);
        Assert.True(transaction.Slot > cursor.Height, $"{signature} landed at slot {transaction.Slot}, not above the cursor's {cursor.Height}.");
    }
}
