using DiscreteExec.Core.Intents;

// The namespace and the type names are the wire format of the bus and the event log: never rename or move them.
namespace DiscreteExec.Core.Messages;

/// <summary>
/// An event integrators subscribe to. <see cref="EventId"/> is deterministic (the same fact always gets the same id,
/// see <see cref="IntegratorEventIds"/>), so a duplicate delivery or a replay after a crash is recognisable.
/// </summary>
public interface IIntegratorEvent
{
    string EventId { get; }
}

/// <summary>The node stored a newly observed intent; it waits for the next epoch to close.</summary>
public sealed record IntentAccepted(string EventId, Intent Intent, ChainPosition Position) : IIntegratorEvent;

/// <summary>The epoch's clearing could not fill the intent within its limit or the pools; it stays open for the next epoch.</summary>
public sealed record IntentDeferred(string EventId, ulong EpochId, Bytes32 IntentId, int TimesDeferred) : IIntegratorEvent;

/// <summary>An epoch closed: its trigger, its close time (unix seconds), how many intents it holds, and its manifest hash.</summary>
public sealed record EpochClosed(string EventId, ulong EpochId, string Trigger, ulong ClosesAt, int IntentCount, Bytes32 ManifestHash) : IIntegratorEvent;

/// <summary>A uniform clearing price of one pair as an exact fraction (quote units per base unit).</summary>
public sealed record PairPriceQuote(string Base, string Quote, string Numerator, string Denominator);

/// <summary>An epoch was cleared: the batch root every escrow will see in <c>LegApplied</c>, its prices and counts.</summary>
public sealed record EpochCleared(string EventId, ulong EpochId, Bytes32 BatchRoot, IReadOnlyList<PairPriceQuote> Prices, int Filled, int Refunded, int Deferred, int Chunks) : IIntegratorEvent;

/// <summary>One chunk of a leg is applied and final on its chain (<see cref="AlreadyApplied"/>: it was found applied, nothing was sent).</summary>
public sealed record LegApplied(string EventId, ulong EpochId, ChainId ChainId, uint ChunkIndex, string Stage, int Actions, string? TransactionId, bool AlreadyApplied) : IIntegratorEvent;

/// <summary>An intent's payout is final on its destination chain.</summary>
public sealed record IntentSettled(string EventId, ulong EpochId, Bytes32 IntentId, ChainId DestinationChainId, Bytes32 Recipient, UInt256 Amount, string? TransactionId) : IIntegratorEvent;

/// <summary>An intent's refund is final on its origin chain.</summary>
public sealed record IntentRefunded(string EventId, ulong EpochId, Bytes32 IntentId, ChainId OriginChainId, Bytes32 Depositor, UInt256 Amount, string Reason, string? TransactionId) : IIntegratorEvent;

/// <summary>The margin engine's view of one pool after an epoch settled.</summary>
public sealed record PoolMargin(ChainId ChainId, Bytes32 Token, string AssetId, UInt256 Balance, UInt256 Obligations, int UtilisationBps, UInt256 NextEpochCap, bool BelowFloor);

/// <summary>The margin engine ran after an epoch settled; the caps apply to the next epoch's clearing.</summary>
public sealed record MarginUpdated(string EventId, ulong EpochId, IReadOnlyList<PoolMargin> Pools) : IIntegratorEvent;

/// <summary>The deterministic event ids: one fact, one id, on every node and after every replay.</summary>
public static class IntegratorEventIds
{
    public static string Accepted(Bytes32 intentId) => $"intent-accepted:{intentId}";

    public static string Deferred(ulong epochId, Bytes32 intentId) => $"intent-deferred:{epochId}:{intentId}";

    public static string Closed(ulong epochId) => $"epoch-closed:{epochId}";

    /// <summary>
    /// The close of an epoch in a round of an operator set: round 0 is <see cref="Closed(ulong)"/>; a later round closes
    /// the epoch again (another manifest), a fact of its own: <c>epoch-closed:{epochId}:round-{round}</c>.
    /// </summary>
    public static string Closed(ulong epochId, uint round) => round == 0 ? Closed(epochId) : $"epoch-closed:{epochId}:round-{round}";

    public static string Cleared(ulong epochId) => $"epoch-cleared:{epochId}";

    public static string LegApplied(ulong epochId, ChainId chainId, uint chunkIndex) => $"leg-applied:{epochId}:{chainId}:{chunkIndex}";

    public static string Settled(Bytes32 intentId) => $"intent-settled:{intentId}";

    public static string Refunded(Bytes32 intentId) => $"intent-refunded:{intentId}";

    public static string Margin(ulong epochId) => $"margin-updated:{epochId}";
}
