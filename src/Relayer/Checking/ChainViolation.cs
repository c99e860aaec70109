using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Checking;

/// <summary>The rule a chain history breaks.</summary>
internal enum ChainRule
{
    /// <summary>An escrow logged the same intent id opened twice.</summary>
    OpenedTwice,

    /// <summary>A Release or Refund of an intent its escrow never opened.</summary>
    ClosedButNeverOpened,

    /// <summary>A second Release or Refund of one intent at its origin (at most one of either, ever).</summary>
    ClosedTwice,

    /// <summary>More than one Payout for one source intent (counted over every escrow).</summary>
    DoublePayout,

    /// <summary>A Payout on a chain other than the intent's destination.</summary>
    PayoutOnWrongChain,

    /// <summary>A Payout for an intent no escrow ever opened.</summary>
    PayoutOfUnknownIntent,

    /// <summary>A Payout for an intent refunded at its origin (paid twice).</summary>
    PayoutOfRefundedIntent,

    /// <summary>A Payout for an intent still open at its origin (its depositor can still take it back).</summary>
    PayoutWithoutRelease,

    /// <summary>A Payout in another token, to another recipient, for less than the minimum output, or in another epoch than the Release.</summary>
    PayoutMismatch,

    /// <summary>Released at the origin, its epoch settled, and never paid at the destination.</summary>
    ReleasedNotPaid,

    /// <summary>Still open past its deadline plus the escrow's grace after the campaign drained.</summary>
    OpenPastDeadline,

    /// <summary>One (epoch, chunk) applied twice on one escrow.</summary>
    ChunkAppliedTwice,

    /// <summary>
    /// The chunks one epoch applied (over every escrow) name more than one batch root: two batches of one epoch each
    /// reached the signer threshold, so the same intents could be settled twice, in two ways.
    /// </summary>
    EpochRootsDiffer,

    /// <summary>An escrow event that does not decode (the history is incomplete where it stands).</summary>
    UndecodableEvent,

    /// <summary>A transaction's log was cut (<c>Log truncated</c>) and a fact it lost could not be read back from the escrow's accounts.</summary>
    TruncatedLog,

    /// <summary>What an escrow holds of a token is not its open deposits plus its pool plus its claims.</summary>
    BalanceMismatch,
}

/// <summary>One broken rule: the intent (null for an escrow-wide rule), the chain where it shows, and what.</summary>
internal sealed record ChainViolation(Bytes32? IntentId, ChainId ChainId, ChainRule Rule, string Detail)
{
    public override string ToString() =>
        IntentId is { } id ? $"{Rule}: intent {id} on chain {ChainId}: {Detail}" : $"{Rule}: chain {ChainId}: {Detail}";
}
