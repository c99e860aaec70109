using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet.FateCheck;

/// <summary>What is wrong with an intent's fate on the chains.</summary>
internal enum FateViolationKind
{
    /// <summary>The origin escrow does not know the intent (the deposit is lost).</summary>
    MissingAtOrigin,

    /// <summary>Released at the origin but never paid at the destination (the deposit went to the pool, the recipient got nothing).</summary>
    ReleasedNotPaid,

    /// <summary>Paid at the destination and also refunded at the origin (paid twice).</summary>
    PaidAndRefunded,

    /// <summary>Paid at the destination while still open at the origin (its depositor can still take it back: paid twice).</summary>
    PaidWhileOpen,

    /// <summary>The recipient's balance grew by less than the sum of its paid intents' minimum outputs.</summary>
    RecipientUnderpaid,

    /// <summary>The node reported the intent filled, but the chains say otherwise.</summary>
    ReportedFilledNotOnChain,

    /// <summary>The node reported the intent refunded, but the origin escrow says otherwise.</summary>
    ReportedRefundedNotOnChain,

    /// <summary>Ended in a fate its parameters rule out (e.g. filled with a limit above what a transfer can pay).</summary>
    UnexpectedFate,
}

/// <summary>One thing wrong: the intent, the chain where it shows, and what.</summary>
internal sealed record FateViolation(Bytes32 IntentId, ChainId ChainId, FateViolationKind Kind, string Detail)
{
    /// <summary>Counted in the summary's "lost".</summary>
    public bool IsLoss => Kind is FateViolationKind.MissingAtOrigin or FateViolationKind.ReleasedNotPaid or FateViolationKind.RecipientUnderpaid;

    /// <summary>Counted in the summary's "double-paid".</summary>
    public bool IsDoublePayment => Kind is FateViolationKind.PaidAndRefunded or FateViolationKind.PaidWhileOpen;

    public override string ToString() => $"intent {IntentId} on chain {ChainId}: {Kind}: {Detail}";
}

/// <summary>What the node said it did with an intent (from its store or event log).</summary>
internal enum ReportedFate
{
    Filled,
    Refunded,

    /// <summary>The node does not hold it as booked: never stored, or stored as Retracted.</summary>
    Dropped,
}

/// <summary>An intent still open at its origin when the check ran, with its fill deadline (unix seconds).</summary>
internal sealed record StillOpenIntent(Bytes32 IntentId, ChainId Origin, ulong Deadline, ExpectedFate Expected);
