using System.Numerics;
using System.Text.Json;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
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

    [Fact]
    public async Task PoolBalanceAt_CursorsBlockReorganisedOutRightAfterItsHeaderWasChecked_IsUnknownNotTheNewForksPool()
    {
        // The pool is funded in the cursor's own block; that block is replaced (without the funding) between the
        // header check and the call. Read by number, the call would answer the new fork's pool as the cursor's.
        await _bed.FundPoolAsync(500_000);
        var cursor = await CursorAtHeadAsync();
        var racing = new ReorganisingAfterHeaderRead(_bed.Rpc);
        var state = new EscrowState(racing, _bed.Options());

        var unknown = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(_bed.Token.ToBytes32(), cursor, CancellationToken.None));

        Assert.True(racing.Reorganised);
        Assert.Contains($"block {cursor.Height}", unknown.Message, StringComparison.Ordinal);
        Assert.NotEqual(cursor.Hash, (await _bed.Rpc.GetBlockAsync(BlockTag.Number(cursor.Height), CancellationToken.None))!.Hash.ToString());
    }

    private async Task<ChainCursor> CursorAtHeadAsync()
    {
        var header = await _bed.Rpc.GetBlockAsync(BlockTag.Latest, CancellationToken.None);
        return new ChainCursor(header!.Number, header.Hash.ToString());
    }

    /// <summary>The real anvil, but the first header read is followed by anvil_reorg of the newest block (its transactions dropped).</summary>
    private sealed class ReorganisingAfterHeaderRead(EvmRpcClient rpc) : IEvmRpc
    {
        public bool Reorganised { get; private set; }

        public async Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken)
        {
            var header = await rpc.GetBlockAsync(block, cancellationToken);
            if (!Reorganised)
            {
                Reorganised = true;
                await rpc.RequestAsync("anvil_reorg", [1, Array.Empty<object>()], cancellationToken);
            }

            return header;
        }

        public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) => rpc.CallAsync(call, block, cancellationToken);

        public Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken) => rpc.CallAtBlockHashAsync(call, blockHash, cancellationToken);

        public Task<ulong> ChainIdAsync(CancellationToken cancellationToken) => rpc.ChainIdAsync(cancellationToken);

        public Task<ulong> BlockNumberAsync(CancellationToken cancellationToken) => rpc.BlockNumberAsync(cancellationToken);

        public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) => rpc.GetBlocksAsync(numbers, cancellationToken);

        public Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken) => rpc.GetLogsAsync(filter, cancellationToken);

        public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => rpc.EstimateGasAsync(call, cancellationToken);

        public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) => rpc.GetTransactionCountAsync(account, block, cancellationToken);

        public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) => rpc.GetBalanceAsync(account, block, cancellationToken);

        public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => rpc.MaxPriorityFeePerGasAsync(cancellationToken);

        public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) => rpc.FeeHistoryAsync(blockCount, newestBlock, rewardPercentile, cancellationToken);

        public Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken) => rpc.SendRawTransactionAsync(raw, cancellationToken);

        public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken) => rpc.GetTransactionReceiptAsync(transactionHash, cancellationToken);

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => rpc.RequestAsync(method, parameters, cancellationToken);

        public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) => rpc.BatchAsync(requests, cancellationToken);
    }
}
