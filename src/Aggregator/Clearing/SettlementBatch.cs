using System.Numerics;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// A pair's uniform clearing price: <see cref="Numerator"/>/<see cref="Denominator"/> (reduced) quote asset units
/// per base asset unit, where an asset unit is 10^-18 of a whole token (so decimals never matter).
/// Base is the ordinally smaller asset id of the pair.
/// </summary>
public sealed record PairPrice(string Base, string Quote, BigInteger Numerator, BigInteger Denominator);

/// <summary>The clearing output: one leg per chain, a price per traded pair, every intent's fate, the batch root.</summary>
public sealed record SettlementBatch
{
    public required ulong EpochId { get; init; }

    /// <summary>Merkle root of the leg hashes in ascending chain id order.</summary>
    public required Bytes32 BatchRoot { get; init; }

    /// <summary>Legs in ascending chain id order; each leg's actions in canonical order.</summary>
    public required IReadOnlyList<SettlementLeg> Legs { get; init; }

    /// <summary>Prices ordered by (base, quote), ordinal.</summary>
    public required IReadOnlyList<PairPrice> Prices { get; init; }

    /// <summary>Intent ids, each list ascending bytewise.</summary>
    public required IReadOnlyList<Bytes32> Filled { get; init; }

    public required IReadOnlyList<Bytes32> Refunded { get; init; }

    public required IReadOnlyList<Bytes32> Deferred { get; init; }

    public required ClearingStats Stats { get; init; }
}

/// <summary>Per-asset accounting of one batch, all in asset units (10^-18 whole token), exact.</summary>
public sealed record AssetStats
{
    public required string AssetId { get; init; }

    /// <summary>Inputs of filled intents released into the pools.</summary>
    public required BigInteger Released { get; init; }

    /// <summary>Sum of payouts.</summary>
    public required BigInteger PaidOut { get; init; }

    /// <summary>Fees kept by the pools.</summary>
    public required BigInteger Fees { get; init; }

    /// <summary>Rounding remainders kept by the pools.</summary>
    public required BigInteger Dust { get; init; }

    /// <summary>Net amount the pools took in (positive) or gave out (negative) by trading against the batch.</summary>
    public required BigInteger PoolNet { get; init; }
}

/// <summary>Batch-level counts and per-asset accounting.</summary>
public sealed record ClearingStats
{
    public required int IntentCount { get; init; }

    public required int FilledCount { get; init; }

    public required int RefundedCount { get; init; }

    public required int DeferredCount { get; init; }

    public required int ActionCount { get; init; }

    /// <summary>Per asset, ordered by asset id (ordinal).</summary>
    public required IReadOnlyList<AssetStats> Assets { get; init; }
}
