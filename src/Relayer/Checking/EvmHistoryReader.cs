using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Builds an EVM escrow's <see cref="EscrowHistory"/> with plain JSON-RPC: every log of the escrow from its start block
/// to the block <c>ConfirmationDepth</c> below the head (<c>eth_getLogs</c>, decoded with the escrow's ABI), and at that
/// same block the escrow's token balance, pool (<c>eth_call</c>) and refund grace, and the block's timestamp. With
/// <paramref name="toHead"/> (a drained check, which holds every epoch settled) it reads to the head itself: the last
/// legs land in the newest blocks, and a history that stopped short of them would report their Releases unpaid.
/// </summary>
internal sealed class EvmHistoryReader(IEvmRpc rpc, EvmChainOptions options, bool toHead)
{
    private static readonly AbiEvent TokenRegistered = IntentEscrowAbi.Abi.Event("TokenRegistered");
    private static readonly AbiFunction BalanceOf = AbiFunction.Parse("balanceOf(address) returns (uint256)");
    private const byte PayoutKind = 2;

    public async Task<EscrowHistory> ReadAsync(CancellationToken cancellationToken)
    {
        var head = await rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var depth = toHead ? 0UL : (ulong)options.ConfirmationDepth;
        var final = head > depth ? head - depth : 0;
        var block = await rpc.GetBlockAsync(BlockTag.Number(final), cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Chain {options.ChainId}: the node has no block {final} below its head {head}.");
        var records = new List<EscrowRecord>();
        var tokens = new HashSet<EvmAddress>();
        var decoder = new IntentOpenedDecoder(options.Chain, options.Escrow);
        var range = (ulong)options.MaxBlockRange;
        for (var from = (ulong)options.StartBlock; from <= final; from += range)
        {
            var to = Math.Min(final, from + range - 1);
            foreach (var log in await rpc.GetLogsAsync(new LogFilter(from, to, options.Escrow), cancellationToken).ConfigureAwait(false))
            {
                records.AddRange(Decode(log, decoder, tokens));
            }
        }

        var blockTag = BlockTag.Number(final);
        var holdings = new List<TokenHoldings>();
        foreach (var token in tokens.OrderBy(t => t.ToString(), StringComparer.Ordinal))
        {
            var held = IntentEscrowAbi.DecodeUInt256(await rpc.CallAsync(new CallRequest(token, BalanceOf.EncodeCall(options.Escrow)), blockTag, cancellationToken).ConfigureAwait(false));
            var pool = IntentEscrowAbi.DecodeUInt256(await rpc.CallAsync(new CallRequest(options.Escrow, IntentEscrowAbi.PoolBalance(token)), blockTag, cancellationToken).ConfigureAwait(false));
            holdings.Add(new TokenHoldings(token.ToBytes32(), held, pool));
        }

        var grace = IntentEscrowAbi.DecodeUInt256(await rpc.CallAsync(
            new CallRequest(options.Escrow, IntentEscrowAbi.Abi.Function("refundGraceSeconds").EncodeCall()), blockTag, cancellationToken).ConfigureAwait(false));
        return new EscrowHistory(options.Chain, ChainKind.Evm, block.Timestamp, grace.AsUInt64, records, holdings);
    }

    private static IEnumerable<EscrowRecord> Decode(EvmLog log, IntentOpenedDecoder decoder, HashSet<EvmAddress> tokens)
    {
        var location = string.Create(CultureInfo.InvariantCulture, $"block {log.BlockNumber} tx {log.TransactionHash} log {log.LogIndex}");
        EscrowRecord? record;
        try
        {
            record = DecodeOne(log, location, decoder, tokens);
        }
        catch (Exception e) when (e is EscrowLogException or AbiDecodingException or InvalidCastException or OverflowException)
        {
            record = new UndecodableRecord(location, e.Message);
        }

        return record is null ? [] : [record];
    }

    private static EscrowRecord? DecodeOne(EvmLog log, string location, IntentOpenedDecoder decoder, HashSet<EvmAddress> tokens)
    {
        if (log.Topics.Count > 0 && log.Topics[0] == IntentOpenedDecoder.Topic0)
        {
            return new IntentOpenedRecord(location, decoder.Decode(log.Topics, log.Data));
        }

        if (log.Topics.Count > 0 && log.Topics[0] == TokenRegistered.Topic0)
        {
            tokens.Add((EvmAddress)TokenRegistered.Decode(log.Topics, log.Data)[0]!);
            return null;
        }

        var position = new ChainPosition { BlockNumber = log.BlockNumber, BlockHash = log.BlockHash.ToString(), TransactionId = log.TransactionHash.ToString(), LogIndex = log.LogIndex };
        return EscrowEventDecoder.TryDecode(log, position) switch
        {
            IntentClosed { Released: true } c => new IntentReleasedRecord(location, c.IntentId, c.EpochId),
            IntentClosed c => new IntentRefundedRecord(location, c.IntentId, c.EpochId),
            PayoutMade p => new PayoutRecord(location, p.SourceIntentId, p.Token.ToBytes32(), p.Recipient, p.Amount, p.EpochId),
            SelfTransferSkipped { Kind: PayoutKind } s => new PayoutRecord(location, s.Reference, s.Token.ToBytes32(), Recipient: null, s.Amount, EpochId: null),
            Adapters.Evm.Escrow.LegApplied l => new LegAppliedRecord(location, l.EpochId, l.Chunk, l.BatchRoot),
            ClaimCreated c => new ClaimCreatedRecord(location, c.Token.ToBytes32(), c.Amount),
            ClaimCollected c => new ClaimCollectedRecord(location, c.Token.ToBytes32(), c.Amount),
            _ => null,
        };
    }
}
