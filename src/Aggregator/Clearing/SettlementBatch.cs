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

    /// <summary>
    /// The exact dust: fills at a fractional price leave fractions of an asset unit. <see cref="Dust"/> is this
    /// rounded down and <see cref="PoolNet"/> = Released − PaidOut − Fees − Dust, so both identities hold exactly:
    /// Released − PaidOut − Fees − ExactDust = ExactPoolNet.
    /// </summary>
    public required Fraction ExactDust { get; init; }

    /// <summary>The exact net pool intake: for each pair, −(what the other side's sellers got at the pair price) + what this side's sellers gave.</summary>
    public required Fraction ExactPoolNet { get; init; }
}

/// <summary>An exact signed fraction, reduced, with a positive denominator.</summary>
public sealed record Fraction(BigInteger Numerator, BigInteger Denominator)
{
    public static Fraction Of(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero)
        {
            throw new DivideByZeroException("A fraction needs a non-zero denominator.");
        }

        if (denominator.Sign < 0)
        {
            numerator = -numerator;
            denominator = -denominator;
        }

        var divisor = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return divisor.IsOne || divisor.IsZero ? new Fraction(numerator, denominator) : new Fraction(numerator / divisor, denominator / divisor);
    }

    public static Fraction operator +(Fraction a, Fraction b) =>
        Of((a.Numerator * b.Denominator) + (b.Numerator * a.Denominator), a.Denominator * b.Denominator);

    public static Fraction operator -(Fraction a, Fraction b) =>
        Of((a.Numerator * b.Denominator) - (b.Numerator * a.Denominator), a.Denominator * b.Denominator);

    /// <summary>The greatest integer not above the fraction.</summary>
    public BigInteger Floor()
    {
        var quotient = BigInteger.DivRem(Numerator, Denominator, out var remainder);
        return remainder.Sign < 0 ? quotient - 1 : quotient;
    }

    public override string ToString() => $"{Numerator}/{Denominator}";
}

/// <summary>Why an intent was refunded: one of the <see cref="RefundReasons"/> codes.</summary>
public sealed record IntentRefund(Bytes32 IntentId, string Reason);

/// <summary>The refund reason codes.</summary>
public static class RefundReasons
{
    /// <summary>The deadline falls before close time + settlement margin.</summary>
    public const string Expired = "expired";

    /// <summary>The origin chain or the input token on it is not in the registry.</summary>
    public const string UnknownInputToken = "unknown-input-token";

    /// <summary>The destination chain or the output token on it is not in the registry.</summary>
    public const string UnknownOutputToken = "unknown-output-token";

    /// <summary>The input amount is zero.</summary>
    public const string ZeroAmount = "zero-amount";

    /// <summary>The destination escrow cannot pay the recipient (zero, or not a 20-byte address on an EVM chain).</summary>
    public const string InvalidRecipient = "invalid-recipient";
}

/// <summary>What crossed one pair at its price, in asset units; the pool nets are exact fractions.</summary>
public sealed record PairStats
{
    public required string Base { get; init; }

    public required string Quote { get; init; }

    public required int BaseSellersFilled { get; init; }

    public required int QuoteSellersFilled { get; init; }

    /// <summary>Base sold by the filled base sellers (X).</summary>
    public required BigInteger BaseSold { get; init; }

    /// <summary>Quote sold by the filled quote sellers (Y).</summary>
    public required BigInteger QuoteSold { get; init; }

    /// <summary>The pools' net base intake X − Y/p (negative: the pools supplied base).</summary>
    public required Fraction PoolBaseNet { get; init; }

    /// <summary>The pools' net quote intake Y − X·p; always PoolQuoteNet = −PoolBaseNet × p.</summary>
    public required Fraction PoolQuoteNet { get; init; }
}

/// <summary>One (chain, token) pool through the batch, in native units: After = Before + Released − PaidOut ≥ 0.</summary>
public sealed record PoolStats(ChainId ChainId, Bytes32 Token, string AssetId, BigInteger Before, BigInteger Released, BigInteger PaidOut, BigInteger After);

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

    /// <summary>Per traded pair, ordered by (base, quote).</summary>
    public required IReadOnlyList<PairStats> Pairs { get; init; }

    /// <summary>Per registered (chain, token), ordered by chain id then token.</summary>
    public required IReadOnlyList<PoolStats> Pools { get; init; }

    /// <summary>Every refunded intent with its reason, ascending by intent id.</summary>
    public required IReadOnlyList<IntentRefund> Refunds { get; init; }
}
