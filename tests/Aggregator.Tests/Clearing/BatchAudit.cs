using System.Numerics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// Recomputes what a batch must be from the epoch input and the batch's own public output (prices, lists,
/// actions), with plain BigInteger arithmetic and none of the engine's code, so the properties check the
/// engine rather than echo it.
/// </summary>
public sealed class BatchAudit
{
    private readonly Dictionary<(ChainId, Bytes32), (Asset Asset, AssetToken Token)> _tokens = [];

    public BatchAudit(EpochInput input, SettlementBatch batch)
    {
        Input = input;
        Batch = batch;
        foreach (var asset in input.Assets)
        {
            foreach (var token in asset.Tokens)
            {
                _tokens[(token.ChainId, token.Token)] = (asset, token);
            }
        }

        Intents = input.Intents.ToDictionary(i => i.IntentId);
        Prices = batch.Prices.ToDictionary(p => (p.Base, p.Quote));
    }

    public EpochInput Input { get; }

    public SettlementBatch Batch { get; }

    public Dictionary<Bytes32, Intent> Intents { get; }

    public Dictionary<(string Base, string Quote), PairPrice> Prices { get; }

    public static BigInteger Scale(int decimals) => BigInteger.Pow(10, 18 - decimals);

    public (Asset Asset, AssetToken Token)? Lookup(ChainId chain, Bytes32 token) =>
        _tokens.TryGetValue((chain, token), out var found) ? found : null;

    public (Asset Asset, AssetToken Token) In(Intent intent) => Lookup(intent.OriginChainId, intent.InputToken)!.Value;

    public (Asset Asset, AssetToken Token) Out(Intent intent) => Lookup(intent.DestinationChainId, intent.OutputToken)!.Value;

    /// <summary>The refund reason the rules give, or null for a valid, live intent.</summary>
    public string? ExpectedRefund(Intent intent) =>
        Lookup(intent.OriginChainId, intent.InputToken) is null ? RefundReasons.UnknownInputToken
        : Lookup(intent.DestinationChainId, intent.OutputToken) is null ? RefundReasons.UnknownOutputToken
        : intent.InputAmount.IsZero ? RefundReasons.ZeroAmount
        : intent.FillDeadline < Input.ClosesAt + Input.SettlementMarginSeconds ? RefundReasons.Expired
        : null;

    /// <summary>Input in asset units.</summary>
    public BigInteger InputUnits(Intent intent) => intent.InputAmount.ToBigInteger() * Scale(In(intent).Token.Decimals);

    /// <summary>The rate P/Q in asset units out per asset unit in (the pair price or its inverse; 1 for a transfer).</summary>
    public (BigInteger P, BigInteger Q) Rate(Intent intent)
    {
        var a = In(intent).Asset.Id;
        var b = Out(intent).Asset.Id;
        if (a == b)
        {
            return (1, 1);
        }

        var sellsBase = string.CompareOrdinal(a, b) < 0;
        var price = sellsBase ? Prices[(a, b)] : Prices[(b, a)];
        return sellsBase ? (price.Numerator, price.Denominator) : (price.Denominator, price.Numerator);
    }

    /// <summary>Exact gross output G = num/den in native output units at the batch's price.</summary>
    public (BigInteger Num, BigInteger Den) Gross(Intent intent)
    {
        var (p, q) = Rate(intent);
        return (InputUnits(intent) * p, q * Scale(Out(intent).Token.Decimals));
    }

    /// <summary>g = floor(G), fee = floor(g·f/10000), payout = g − fee.</summary>
    public (BigInteger Gross, BigInteger Fee, BigInteger Payout) Expected(Intent intent)
    {
        var (num, den) = Gross(intent);
        var g = num / den;
        var fee = g * Input.FeeBps / 10_000;
        return (g, fee, g - fee);
    }

    /// <summary>The least integer gross whose payout meets the limit, by bisection over all g (null: none).</summary>
    public BigInteger? RequiredGross(Intent intent)
    {
        var m = intent.MinOutputAmount.ToBigInteger();
        BigInteger Payout(BigInteger g) => g - (g * Input.FeeBps / 10_000);
        if (m.IsZero)
        {
            return 0;
        }

        if (Input.FeeBps >= 10_000)
        {
            return null;
        }

        BigInteger low = 0, high = m * 2 * 10_000 / (10_000 - Input.FeeBps) + 2;
        while (high - low > 1)
        {
            var middle = (low + high) / 2;
            if (Payout(middle) >= m)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }

    /// <summary>Eligible at the batch's price: the exact gross meets g*.</summary>
    public bool Eligible(Intent intent)
    {
        var required = RequiredGross(intent);
        var (num, den) = Gross(intent);
        return required is not null && num >= required.Value * den;
    }

    public IEnumerable<(ChainId Chain, SettlementAction Action)> Actions() =>
        Batch.Legs.SelectMany(leg => leg.Actions.Select(action => (leg.ChainId, action)));

    /// <summary>Per registered (chain, token): pool before + releases − payouts, from the legs' actions alone.</summary>
    public Dictionary<(ChainId, Bytes32), BigInteger> PoolsAfter()
    {
        var balances = _tokens.Keys.ToDictionary(k => k, _ => BigInteger.Zero);
        foreach (var pool in Input.Pools)
        {
            if (balances.ContainsKey((pool.ChainId, pool.Token)))
            {
                balances[(pool.ChainId, pool.Token)] += pool.Balance.ToBigInteger();
            }
        }

        foreach (var (chain, action) in Actions())
        {
            if (action.Kind == ActionKind.Release)
            {
                balances[(chain, action.Token)] += Intents[action.IntentId].InputAmount.ToBigInteger();
            }
            else if (action.Kind == ActionKind.Payout)
            {
                balances[(chain, action.Token)] -= action.Amount.ToBigInteger();
            }
        }

        return balances;
    }

    /// <summary>A canonical text of the whole batch, for byte-for-byte comparisons.</summary>
    public static string Canonical(SettlementBatch batch)
    {
        var text = new System.Text.StringBuilder();
        text.Append($"epoch {batch.EpochId} root {batch.BatchRoot}\n");
        foreach (var leg in batch.Legs)
        {
            text.Append($"leg {leg.ChainId} {leg.LegHash} {leg.BatchRoot}\n");
            foreach (var a in leg.Actions)
            {
                text.Append($"  {a.Kind} {a.IntentId} {a.Token} {a.Account} {a.Amount}\n");
            }
        }

        foreach (var p in batch.Prices)
        {
            text.Append($"price {p.Base}/{p.Quote} {p.Numerator}/{p.Denominator}\n");
        }

        text.Append("filled ").AppendJoin(',', batch.Filled).Append('\n');
        text.Append("refunded ").AppendJoin(',', batch.Refunded).Append('\n');
        text.Append("deferred ").AppendJoin(',', batch.Deferred).Append('\n');
        var s = batch.Stats;
        text.Append($"counts {s.IntentCount} {s.FilledCount} {s.RefundedCount} {s.DeferredCount} {s.ActionCount}\n");
        foreach (var a in s.Assets)
        {
            text.Append($"asset {a.AssetId} {a.Released} {a.PaidOut} {a.Fees} {a.Dust} {a.PoolNet} {a.ExactDust} {a.ExactPoolNet}\n");
        }

        foreach (var p in s.Pairs)
        {
            text.Append($"pair {p.Base}/{p.Quote} {p.BaseSellersFilled} {p.QuoteSellersFilled} {p.BaseSold} {p.QuoteSold} {p.PoolBaseNet} {p.PoolQuoteNet}\n");
        }

        foreach (var p in s.Pools)
        {
            text.Append($"pool {p.ChainId} {p.Token} {p.AssetId} {p.Before} {p.Released} {p.PaidOut} {p.After}\n");
        }

        foreach (var r in s.Refunds)
        {
            text.Append($"refund {r.IntentId} {r.Reason}\n");
        }

        return text.ToString();
    }
}
