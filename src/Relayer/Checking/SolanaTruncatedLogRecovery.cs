using System.Buffers.Binary;
using System.Globalization;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Recovers the escrow facts a successful transaction's log lost past a validator's 10 KB limit (<c>Log truncated</c>):
/// a chunk that pays many new recipients logs the token program's account creations, and its last events (Payouts,
/// LegApplied) are cut. The transaction itself still says what it did: each escrow Settle instruction's data lists its
/// actions, and a successful Settle applied all of them. Each action whose event is missing is confirmed from the
/// account it left (they never change afterwards): a Release or Refund by the intent account's status, a Payout by its
/// paid marker (epoch and amount), the chunk by its receipt (epoch, chunk, action count); whether a transfer was
/// delivered or became a claim by the token program's transfer among the instruction's inner instructions. A fact that
/// cannot be confirmed (or an escrow instruction other than Settle) becomes a <see cref="TruncatedLogRecord"/>, so a
/// check never passes on a history it could not read.
/// </summary>
internal sealed class SolanaTruncatedLogRecovery(ISolanaRpc rpc, SolanaClusterOptions options, EscrowProgram escrow)
{
    /// <summary>What a validator puts in place of the first log line that does not fit.</summary>
    public const string TruncatedLine = "Log truncated";

    private const int SettleHeaderLength = 47;
    private const int TokenTransfer = 3, TokenTransferChecked = 12;

    /// <summary>
    /// The records the log of <paramref name="transaction"/> lost. <paramref name="logged"/> are the escrow events its
    /// log still carries; <paramref name="earlier"/> the escrow's records read so far (this transaction's logged ones included).
    /// </summary>
    public async Task<IReadOnlyList<EscrowRecord>> RecoverAsync(
        TransactionDetails transaction, IReadOnlyList<EscrowEvent> logged, IReadOnlyList<EscrowRecord> earlier, CancellationToken cancellationToken)
    {
        var location = string.Create(CultureInfo.InvariantCulture, $"slot {transaction.Slot} tx {transaction.Signature} (log truncated)");
        SignedTransaction signed;
        try
        {
            signed = await ReadAsync(transaction.Signature, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            return [new TruncatedLogRecord(location, $"the transaction does not decode: {e.Message}")];
        }

        var records = new List<EscrowRecord>();
        var unmatched = logged.ToList();
        for (var i = 0; i < signed.Message.Instructions.Count; i++)
        {
            var instruction = signed.Message.Instructions[i];
            if (signed.Keys[instruction.ProgramIdIndex] != escrow.ProgramId)
            {
                continue;
            }

            var at = string.Create(CultureInfo.InvariantCulture, $"{location} instruction {i}");
            if (instruction.Data.Length == 0 || instruction.Data[0] != (byte)EscrowInstruction.Settle)
            {
                records.Add(new TruncatedLogRecord(at, $"an escrow instruction with tag {(instruction.Data.Length == 0 ? "none" : instruction.Data[0])}, whose events are not recovered"));
                continue;
            }

            var settle = new SettleRecovery(this, signed, i, at, unmatched, [.. earlier, .. records]);
            records.AddRange(await settle.RecoverAsync(cancellationToken).ConfigureAwait(false));
        }

        return records;
    }

    private async Task<SignedTransaction> ReadAsync(string signature, CancellationToken cancellationToken)
    {
        var transaction = await rpc.GetTransactionAsync(signature, options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("getTransaction no longer returns it");
        var contents = transaction.Contents ?? throw new FormatException(transaction.ContentsError);
        return new SignedTransaction(contents.Message, contents.AccountKeys, contents.InnerInstructions);
    }

    private async Task<T?> ReadAccountAsync<T>(Bytes32 address, DecodeAccount<T> decode, CancellationToken cancellationToken)
        where T : class
    {
        var account = await rpc.GetAccountInfoAsync(address, options.Commitment, cancellationToken).ConfigureAwait(false);
        if (account is null || account.Owner != escrow.ProgramId)
        {
            return null;
        }

        try
        {
            return decode(account.Data);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private EscrowProgram Escrow => escrow;

    private delegate T DecodeAccount<out T>(ReadOnlySpan<byte> data);

    /// <summary>A transaction as <c>getTransaction</c> returns it: its message, every account key (lookup tables resolved) and the inner instructions per top-level instruction (null when the node does not say).</summary>
    private sealed record SignedTransaction(Message Message, IReadOnlyList<Bytes32> Keys, IReadOnlyDictionary<int, IReadOnlyList<CompiledInstruction>>? Inner);

    /// <summary>One Settle action as its instruction carries it, and its accounts: intent or marker, pool, then (transfers) vault, destination.</summary>
    private sealed record SettleAction(ActionKind Kind, Bytes32 IntentId, Bytes32 Account, ulong Amount, IReadOnlyList<Bytes32> Accounts);

    /// <summary>The recovery of one Settle instruction (data: epoch u64, chunk u32, root, m u8, k u8, actions[k] of 73 bytes).</summary>
    private sealed class SettleRecovery(
        SolanaTruncatedLogRecovery owner, SignedTransaction signed, int index, string location, List<EscrowEvent> unmatched, IReadOnlyList<EscrowRecord> earlier)
    {
        private readonly List<EscrowRecord> _records = [];
        private readonly List<CompiledInstruction> _transfers = [.. signed.Inner?.GetValueOrDefault(index) ?? []];

        public async Task<IReadOnlyList<EscrowRecord>> RecoverAsync(CancellationToken cancellationToken)
        {
            var instruction = signed.Message.Instructions[index];
            var data = instruction.Data;
            if (data.Length < SettleHeaderLength || data.Length != SettleHeaderLength + (EscrowProgram.ActionSize * data[46]))
            {
                return [new TruncatedLogRecord(location, $"a Settle instruction of {data.Length} bytes does not decode")];
            }

            var epoch = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(1));
            var chunk = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(9));
            var accounts = instruction.AccountIndexes.Select(a => signed.Keys[a]).ToArray();
            var cursor = 6 + data[45];
            var config = await owner.ReadAccountAsync(owner.Escrow.Config, d => EscrowConfig.Decode(d), cancellationToken).ConfigureAwait(false);
            for (var n = 0; n < data[46]; n++)
            {
                var raw = data.AsSpan(SettleHeaderLength + (EscrowProgram.ActionSize * n), EscrowProgram.ActionSize);
                var kind = (ActionKind)raw[0];
                var width = kind == ActionKind.Release ? 2 : 5;
                if (cursor + width > accounts.Length)
                {
                    return [.. _records, new TruncatedLogRecord(location, $"action {n} names {width} accounts past the instruction's {accounts.Length}")];
                }

                var action = new SettleAction(kind, new Bytes32(raw.Slice(1, 32)), new Bytes32(raw.Slice(33, 32)), BinaryPrimitives.ReadUInt64LittleEndian(raw[65..]), accounts[cursor..(cursor + width)]);
                cursor += width;
                await RecoverActionAsync(action, epoch, config?.VaultAuthority, cancellationToken).ConfigureAwait(false);
            }

            if (!Take<LegAppliedEvent>(l => l.Epoch == epoch && l.Chunk == chunk))
            {
                var receipt = await owner.ReadAccountAsync(owner.Escrow.ReceiptAddress(epoch, chunk), d => EscrowReceipt.Decode(d), cancellationToken).ConfigureAwait(false);
                _records.Add(receipt is not null && receipt.Epoch == epoch && receipt.Chunk == chunk && receipt.ActionCount == data[46]
                    ? new LegAppliedRecord($"{location} receipt account", epoch, chunk, receipt.BatchRoot)
                    : new TruncatedLogRecord(location, $"epoch {epoch} chunk {chunk}: no receipt account of {data[46]} actions confirms the LegApplied"));
            }

            return _records;
        }

        private async Task RecoverActionAsync(SettleAction action, ulong epoch, Bytes32? vaultAuthority, CancellationToken cancellationToken)
        {
            var id = action.IntentId;
            switch (action.Kind)
            {
                case ActionKind.Release when !Take<IntentReleasedEvent>(r => r.IntentId == id):
                    var released = await IntentAsync(id, cancellationToken).ConfigureAwait(false);
                    _records.Add(released?.Status == EscrowIntentStatus.Released
                        ? new IntentReleasedRecord($"{location} intent account", id, epoch)
                        : Lost($"Release of intent {id}: its intent account is not Released"));
                    break;
                case ActionKind.Refund when !Take<IntentRefundedEvent>(r => r.IntentId == id):
                    var refunded = await IntentAsync(id, cancellationToken).ConfigureAwait(false);
                    if (refunded?.Status != EscrowIntentStatus.Refunded)
                    {
                        _records.Add(Lost($"Refund of intent {id}: its intent account is not Refunded"));
                    }
                    else if (!earlier.Concat(_records).Any(r => r is IntentRefundedRecord e && e.IntentId == id))
                    {
                        // (Refunded before, by refundExpired, the program skips the action and moves nothing.)
                        _records.Add(new IntentRefundedRecord($"{location} intent account", id, epoch));
                        TransferOrClaim(action, epoch, refunded.InputMint);
                    }

                    break;
                case ActionKind.Payout when !Take<PayoutMadeEvent>(p => p.SourceIntentId == id) && !Take<SelfTransferSkippedEvent>(s => s.Ref == id):
                    var marker = await owner.ReadAccountAsync(owner.Escrow.PaidMarkerAddress(id), d => EscrowPaidMarker.Decode(d), cancellationToken).ConfigureAwait(false);
                    if (marker is null || marker.Epoch != epoch || marker.Amount != action.Amount)
                    {
                        _records.Add(Lost($"Payout of source intent {id}: no paid marker of epoch {epoch} and amount {action.Amount}"));
                        break;
                    }

                    var self = vaultAuthority is { } authority && action.Account == authority;
                    _records.Add(new PayoutRecord($"{location} paid marker", id, marker.Mint, self ? null : action.Account, action.Amount, epoch));
                    if (!self)
                    {
                        TransferOrClaim(action, epoch, marker.Mint);
                    }

                    break;
                case ActionKind.Withdraw when !Take<WithdrawnEvent>(w => w.Amount == action.Amount && w.Destination == action.Account) && action.Account != vaultAuthority:
                    var pool = await owner.ReadAccountAsync(action.Accounts[1], d => EscrowPool.Decode(d), cancellationToken).ConfigureAwait(false);
                    if (pool is null)
                    {
                        _records.Add(Lost($"Withdraw of {action.Amount} to {Base58.EncodeKey(action.Account)}: its pool account does not read"));
                        break;
                    }

                    TransferOrClaim(action, epoch, pool.Mint);
                    break;
            }
        }

        /// <summary>
        /// A transfer whose own event is lost: delivered when the token program moved its amount from the vault to its
        /// destination inside this instruction, else a claim (unless the claim's event survived).
        /// </summary>
        private void TransferOrClaim(SettleAction action, ulong epoch, Bytes32 mint)
        {
            if (Take<ClaimCreatedEvent>(c => c.Kind == action.Kind && c.IntentId == action.IntentId && c.Epoch == epoch && c.Amount == action.Amount) || action.Amount == 0)
            {
                return;
            }

            if (signed.Inner is null)
            {
                _records.Add(Lost($"{action.Kind} {action.IntentId}: the node does not return inner instructions, so delivered and claimed cannot be told apart"));
                return;
            }

            var transfer = _transfers.FindIndex(ix => IsTransfer(ix, action.Accounts[2], action.Accounts[3], action.Amount));
            if (transfer >= 0)
            {
                _transfers.RemoveAt(transfer);
            }
            else
            {
                _records.Add(new ClaimCreatedRecord($"{location} no transfer to {Base58.EncodeKey(action.Accounts[3])}", mint, action.Amount));
            }
        }

        private bool IsTransfer(CompiledInstruction inner, Bytes32 vault, Bytes32 destination, ulong amount)
        {
            if (signed.Keys[inner.ProgramIdIndex] != WellKnown.TokenProgram || inner.Data.Length < 9)
            {
                return false;
            }

            var to = inner.Data[0] switch
            {
                TokenTransfer when inner.AccountIndexes.Length >= 2 => inner.AccountIndexes[1],
                TokenTransferChecked when inner.AccountIndexes.Length >= 3 => inner.AccountIndexes[2],
                _ => (byte?)null,
            };
            return to is { } toIndex && signed.Keys[inner.AccountIndexes[0]] == vault && signed.Keys[toIndex] == destination
                && BinaryPrimitives.ReadUInt64LittleEndian(inner.Data.AsSpan(1)) == amount;
        }

        private Task<EscrowIntent?> IntentAsync(Bytes32 id, CancellationToken cancellationToken) =>
            owner.ReadAccountAsync(owner.Escrow.IntentAddress(id), d => EscrowIntent.Decode(d), cancellationToken);

        /// <summary>Consumes the first logged event that matches: each logged event accounts for one action only.</summary>
        private bool Take<T>(Func<T, bool> matches)
            where T : EscrowEvent
        {
            var found = unmatched.FindIndex(e => e is T t && matches(t));
            if (found < 0)
            {
                return false;
            }

            unmatched.RemoveAt(found);
            return true;
        }

        private TruncatedLogRecord Lost(string what) => new(location, what);
    }
}
