using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Everything the checker knows, as read from the chains alone: one <see cref="EscrowHistory"/> per escrow.
/// <see cref="Drained"/> says the campaign is over (no epoch in flight), so every rule applies in full: a Release must
/// have its Payout and nothing may stay open past its deadline plus grace.
/// </summary>
internal sealed record ChainHistory(IReadOnlyList<EscrowHistory> Escrows, bool Drained);

/// <summary>
/// One escrow's records in chain order, its chain's time (unix seconds) and refund grace when read, and what it holds
/// per token at the same point.
/// </summary>
internal sealed record EscrowHistory(
    ChainId ChainId,
    ChainKind Kind,
    ulong ChainTime,
    ulong RefundGraceSeconds,
    IReadOnlyList<EscrowRecord> Records,
    IReadOnlyList<TokenHoldings> Holdings);

/// <summary>
/// What an escrow holds of one token: <see cref="Held"/> is the token balance of the escrow (EVM: the contract's
/// <c>balanceOf</c>; Solana: the mint's vault), <see cref="Pool"/> the pool the escrow reports. Open deposits and
/// undelivered claims make up the rest.
/// </summary>
internal sealed record TokenHoldings(Bytes32 Token, UInt256 Held, UInt256 Pool);

/// <summary>One escrow event; <see cref="Location"/> says where (transaction and log index), for the report.</summary>
internal abstract record EscrowRecord(string Location);

/// <summary>A deposit: the intent with every parameter its <c>IntentOpened</c> carries.</summary>
internal sealed record IntentOpenedRecord(string Location, Intent Intent) : EscrowRecord(Location);

/// <summary>An open intent here was released into the pool (filled) in <see cref="EpochId"/>.</summary>
internal sealed record IntentReleasedRecord(string Location, Bytes32 IntentId, ulong EpochId) : EscrowRecord(Location);

/// <summary>An open intent here went back to its depositor (epoch 0: <c>refundExpired</c>).</summary>
internal sealed record IntentRefundedRecord(string Location, Bytes32 IntentId, ulong EpochId) : EscrowRecord(Location);

/// <summary>
/// The pool paid a source intent of another chain: delivered, become a claim, or (<see cref="Recipient"/> null)
/// addressed to the escrow itself and only marked paid. <see cref="EpochId"/> is null where the event does not carry it
/// (the EVM escrow's SelfTransferSkipped).
/// </summary>
internal sealed record PayoutRecord(string Location, Bytes32 SourceIntentId, Bytes32 Token, Bytes32? Recipient, UInt256 Amount, ulong? EpochId) : EscrowRecord(Location);

/// <summary>One (epoch, chunk) of a leg was applied here.</summary>
internal sealed record LegAppliedRecord(string Location, ulong EpochId, uint Chunk, Bytes32 BatchRoot) : EscrowRecord(Location);

/// <summary>A transfer could not be delivered: <see cref="Amount"/> of the token stays in the escrow as a claim.</summary>
internal sealed record ClaimCreatedRecord(string Location, Bytes32 Token, UInt256 Amount) : EscrowRecord(Location);

/// <summary>A claim was collected: <see cref="Amount"/> of the token left the escrow.</summary>
internal sealed record ClaimCollectedRecord(string Location, Bytes32 Token, UInt256 Amount) : EscrowRecord(Location);

/// <summary>A log or event of the escrow that does not decode; the checker reports it rather than guess.</summary>
internal sealed record UndecodableRecord(string Location, string Reason) : EscrowRecord(Location);

/// <summary>
/// A fact of the escrow a transaction's log lost (<c>Log truncated</c>) and its accounts could not confirm: the history
/// is incomplete where it stands, so the checker reports it rather than pass without it.
/// </summary>
internal sealed record TruncatedLogRecord(string Location, string Reason) : EscrowRecord(Location);
