using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>
/// Reads the IntentEscrow's view functions (<c>poolBalance</c>, <c>intentStatus</c>, <c>isPaid</c>) at the block
/// <c>ConfirmationDepth</c> below the head, so what it reports cannot be undone by a reorg within that depth.
/// </summary>
internal sealed class EscrowState(IEvmRpc rpc, EvmChainOptions options) : IEscrowState
{
    public ChainId ChainId => options.Chain;

    public ChainKind Kind => ChainKind.Evm;

    public async Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await CallAsync(IntentEscrowAbi.PoolBalance(TokenAddress(token)), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// <c>poolBalance</c> called at the cursor's block by its hash, once that block is checked to be the cursor's: the
    /// figure every operator reads for that cursor, whenever it reads (the node must keep that block's state: anvil
    /// and full nodes keep recent ones, an archive node all).
    /// </summary>
    public async Task<UInt256> PoolBalanceAtAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var block = BlockTag.Number(cursor.Height);
        var header = await rpc.GetBlockAsync(block, cancellationToken).ConfigureAwait(false)
            ?? throw new PoolNotAtCursorException($"Chain {options.ChainId}: block {cursor.Height} of the cursor is not on the node yet.");
        if (!string.Equals(header.Hash.ToString(), cursor.Hash, StringComparison.OrdinalIgnoreCase))
        {
            throw new PoolNotAtCursorException($"Chain {options.ChainId}: block {cursor.Height} is {header.Hash}, not the cursor's {cursor.Hash}.");
        }

        try
        {
            // By hash (EIP-1898), not by number: a reorganisation right after the check above must not answer the new
            // fork's block at that height as the cursor's.
            var call = new CallRequest(options.Escrow, IntentEscrowAbi.PoolBalance(TokenAddress(token)));
            return IntentEscrowAbi.DecodeUInt256(await rpc.CallAtBlockHashAsync(call, header.Hash, cancellationToken).ConfigureAwait(false));
        }
        catch (JsonRpcException e)
        {
            // The node cannot serve that block's state: it keeps only recent ones (anvil's --prune-history, a full
            // node's ~128 blocks), or the block has just left its canonical chain. The pool is unknown at the cursor,
            // which a verifier refuses, not a failure that fails its step again and again.
            throw new PoolNotAtCursorException($"Chain {options.ChainId}: the node serves no state of block {cursor.Height} ({cursor.Hash}) of the cursor ({e.Message}).");
        }
    }

    public async Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var status = IntentEscrowAbi.DecodeUInt256(await CallAsync(IntentEscrowAbi.IntentStatus(intentId), cancellationToken).ConfigureAwait(false));
        return status.FitsUInt64 && status.AsUInt64 <= (ulong)EscrowIntentState.Refunded
            ? (EscrowIntentState)status.AsUInt64
            : throw new InvalidDataException($"Chain {options.ChainId}: escrow {options.Escrow} reports status {status} for intent {intentId}; known are 0-3.");
    }

    public async Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeBool(await CallAsync(IntentEscrowAbi.IsPaid(intentId), cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Scans the escrow's LegApplied logs from the configured StartBlock to the head (not the final block: an applied
    /// epoch that a reorg could still undo is counted too, which only moves a fresh node's first epoch higher), in
    /// windows of MaxBlockRange blocks. The whole range is read because a late chunk of an older epoch can land after
    /// a newer epoch's, so the newest window alone does not hold the highest id.
    /// </summary>
    public async Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken)
    {
        var head = await rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var window = (ulong)options.MaxBlockRange;
        var highest = 0UL;
        for (var from = (ulong)Math.Max(0, options.StartBlock); from <= head; from += window)
        {
            var to = Math.Min(head, from + window - 1);
            var logs = await rpc.GetLogsAsync(new LogFilter(from, to, options.Escrow, [AppliedTopic]), cancellationToken).ConfigureAwait(false);
            foreach (var log in logs)
            {
                var position = new Core.Messages.ChainPosition { BlockNumber = log.BlockNumber, BlockHash = log.BlockHash.ToString(), TransactionId = log.TransactionHash.ToString(), LogIndex = log.LogIndex };
                if (EscrowEventDecoder.TryDecode(log, position) is LegApplied applied)
                {
                    highest = Math.Max(highest, applied.EpochId);
                }
            }
        }

        return highest;
    }

    private static readonly Bytes32 AppliedTopic = IntentEscrowAbi.Abi.Event("LegApplied").Topic0;

    private EvmAddress TokenAddress(Bytes32 token) =>
        token.IsEvmAddress
            ? EvmAddress.FromBytes32(token)
            : throw new ArgumentException($"Chain {options.ChainId}: token {token} is not an EVM address (its first 12 bytes must be zero).", nameof(token));

    private async Task<byte[]> CallAsync(byte[] data, CancellationToken cancellationToken)
    {
        var head = await rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var depth = (ulong)options.ConfirmationDepth;
        var final = head >= depth ? head - depth : 0;
        return await rpc.CallAsync(new CallRequest(options.Escrow, data), BlockTag.Number(final), cancellationToken).ConfigureAwait(false);
    }
}
