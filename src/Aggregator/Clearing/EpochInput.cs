using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>A pool's balance of one token on one chain before the epoch settles.</summary>
public sealed record PoolBalance(ChainId ChainId, Bytes32 Token, UInt256 Balance);

/// <summary>
/// Everything the clearing function reads: the epoch, its intents, the asset registry, the pools and the
/// fee/spread settings. The clearing output depends on this value only (as a set: intent order is irrelevant).
/// </summary>
public sealed record EpochInput
{
    public required ulong EpochId { get; init; }

    /// <summary>Unix seconds at which the epoch closed.</summary>
    public required ulong ClosesAt { get; init; }

    /// <summary>Time the batch needs to settle; intents whose deadline falls before ClosesAt + this are refunded.</summary>
    public required ulong SettlementMarginSeconds { get; init; }

    /// <summary>Fee on every fill, in basis points of the gross output (0–10000).</summary>
    public required uint FeeBps { get; init; }

    /// <summary>Half-width of the band around the reference price within which a pair may clear, in basis points (0–10000).</summary>
    public required uint SpreadBps { get; init; }

    public required IReadOnlyList<Asset> Assets { get; init; }

    public required IReadOnlyList<PoolBalance> Pools { get; init; }

    public required IReadOnlyList<Intent> Intents { get; init; }
}
