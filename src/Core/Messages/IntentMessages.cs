using DiscreteExec.Core.Intents;

// The namespace is part of the wire format of the bus: never rename or move these messages.
namespace DiscreteExec.Core.Messages;

/// <summary>Where on its origin chain an intent was seen (EVM: block and log; Solana: slot and signature).</summary>
public sealed record ChainPosition
{
    public required ulong BlockNumber { get; init; }

    public required string BlockHash { get; init; }

    public required string TransactionId { get; init; }

    public required int LogIndex { get; init; }
}

/// <summary>An adapter saw a new intent open on its escrow, behind the configured confirmation depth.</summary>
public sealed record IntentObserved
{
    public required Intent Intent { get; init; }

    public required ChainPosition Position { get; init; }

    /// <summary>
    /// How the watcher learned of the intent. Null for an event it read in order; otherwise why the event path missed
    /// it and the intent was recovered by reconciling against the escrow's deposit counter. The intent's fields are
    /// the same either way. The position: on EVM the open's own log (found again by intent id); on Solana the slot
    /// where it was recovered, with an empty transaction id and log index -1.
    /// </summary>
    public string? RecoveredBecause { get; init; }

    /// <summary>
    /// The order in which this node's watcher of the chain reported it: every observation and retraction it sends
    /// has a larger one than all it sent before (kept across restarts in its checkpoint). The intake applies a
    /// message about an intent only when it is later than the last one applied, so a stale one consumed late (a
    /// retry, a redelivery, a retraction queued before a restart) changes nothing. Null from a watcher that does not
    /// number its reports (Solana's, which never retracts): ordered by block alone.
    /// </summary>
    public ulong? ReportSequence { get; init; }
}

/// <summary>An intent the adapter had reported was reorganised out of its chain.</summary>
public sealed record IntentRetracted
{
    public required ChainId ChainId { get; init; }

    public required Bytes32 IntentId { get; init; }

    public required string Reason { get; init; }

    /// <summary>
    /// The hash of the block the retracted observation was in (<see cref="ChainPosition.BlockHash"/>). A node retracts
    /// the intent only while its stored observation is of that block: a retraction consumed after the same deposit was
    /// seen again in the new fork changes nothing. Null from senders before this field: retracts whatever is stored.
    /// </summary>
    public string? BlockHash { get; init; }

    /// <summary>The watcher's report order, as <see cref="IntentObserved.ReportSequence"/>.</summary>
    public ulong? ReportSequence { get; init; }
}
