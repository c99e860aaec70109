using DiscreteExec.Core.Intents;

namespace DiscreteExec.Aggregator.Epochs;

/// <summary>A closed epoch: its id, when it opened and closed (unix seconds), why, and its intents ordered by id.</summary>
public sealed record ClosedEpoch(ulong EpochId, DateTimeOffset OpenedAt, DateTimeOffset ClosedAt, EpochCloseReason Reason, IReadOnlyList<Intent> Intents)
{
    /// <summary>Close time as unix seconds, the value clearing reads.</summary>
    public ulong ClosesAtUnixSeconds => (ulong)ClosedAt.ToUnixTimeSeconds();
}
