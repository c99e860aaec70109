using System.Numerics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>One property per invariant of docs/ARCHITECTURE.md ("Clearing"), each checked from the input and the batch alone.</summary>
public class EpochClearingPropertyTests
{
    private const int Runs = 200;

    [Property(MaxTest = Runs)]
    public Property Clear_RandomEpoch_EveryPayoutMeetsItsLimit() => Check(EpochCase.Any(), audit =>
    {
        // Invariant 1.
        foreach (var (_, action) in audit.Actions().Where(a => a.Action.Kind == ActionKind.Payout))
        {
            Assert.True(action.Amount >= audit.Intents[action.IntentId].MinOutputAmount, $"payout {action.Amount} below the limit of {action.IntentId}");
        }
    });

    [Property(MaxTest = Runs)]
    public Property Clear_RandomEpoch_EveryFillExecutesAtItsPairsSinglePriceInsideTheBand() => Check(EpochCase.Any(), audit =>
    {
        // Invariant 2: the payout of every fill is exactly what the pair's one price (1:1 for a transfer) gives.
        var payouts = audit.Actions().Where(a => a.Action.Kind == ActionKind.Payout).ToDictionary(a => a.Action.IntentId, a => a.Action.Amount.ToBigInteger());
        foreach (var id in audit.Batch.Filled)
        {
            Assert.Equal(audit.Expected(audit.Intents[id]).Payout, payouts[id]);
        }

        var assets = audit.Input.Assets.ToDictionary(a => a.Id);
        foreach (var price in audit.Batch.Prices)
        {
            Assert.True(string.CompareOrdinal(price.Base, price.Quote) < 0);
            Assert.Equal(BigInteger.One, BigInteger.GreatestCommonDivisor(price.Numerator, price.Denominator));
            var rb = assets[price.Base].ReferencePrice.ToBigInteger();
            var rq = assets[price.Quote].ReferencePrice.ToBigInteger();
            var s = audit.Input.SpreadBps;
            // r(1 − s) ≤ n/d ≤ r(1 + s) with r = rb/rq.
            Assert.True(rb * (10_000 - s) * price.Denominator <= price.Numerator * rq * 10_000);
            Assert.True(price.Numerator * rq * 10_000 <= rb * (10_000 + s) * price.Denominator);
        }
    });

    [Property(MaxTest = Runs)]
    public Property Clear_RandomEpoch_ReleasedEqualsPaidOutPlusFeesPlusDustPlusPoolNet() => Check(EpochCase.Any(), audit =>
    {
        // Invariant 3, per asset, in asset units, exactly; the pools' net comes from the pair prices alone.
        var released = new Dictionary<string, BigInteger>();
        var paid = new Dictionary<string, BigInteger>();
        var fees = new Dictionary<string, BigInteger>();
        var dust = new Dictionary<string, Fraction>();
        var poolNet = new Dictionary<string, Fraction>();
        foreach (var asset in audit.Input.Assets)
        {
            released[asset.Id] = paid[asset.Id] = fees[asset.Id] = 0;
            dust[asset.Id] = poolNet[asset.Id] = Fraction.Of(0, 1);
        }

        var sold = new Dictionary<(string, string), (BigInteger Base, BigInteger Quote)>();
        foreach (var id in audit.Batch.Filled)
        {
            var intent = audit.Intents[id];
            var (inAsset, _) = audit.In(intent);
            var (outAsset, outToken) = audit.Out(intent);
            var scale = BatchAudit.Scale(outToken.Decimals);
            var (g, fee, payout) = audit.Expected(intent);
            var (num, den) = audit.Gross(intent);
            released[inAsset.Id] += audit.InputUnits(intent);
            paid[outAsset.Id] += payout * scale;
            fees[outAsset.Id] += fee * scale;
            dust[outAsset.Id] += Fraction.Of((num - (g * den)) * scale, den);
            if (inAsset.Id != outAsset.Id)
            {
                var sellsBase = string.CompareOrdinal(inAsset.Id, outAsset.Id) < 0;
                var key = sellsBase ? (inAsset.Id, outAsset.Id) : (outAsset.Id, inAsset.Id);
                var (x, y) = sold.GetValueOrDefault(key);
                sold[key] = sellsBase ? (x + audit.InputUnits(intent), y) : (x, y + audit.InputUnits(intent));
            }
        }

        foreach (var ((baseId, quoteId), (x, y)) in sold)
        {
            var price = audit.Prices[(baseId, quoteId)];
            poolNet[baseId] += Fraction.Of((x * price.Numerator) - (y * price.Denominator), price.Numerator); // X − Y/p
            poolNet[quoteId] += Fraction.Of((y * price.Denominator) - (x * price.Numerator), price.Denominator); // Y − X·p
        }

        foreach (var stats in audit.Batch.Stats.Assets)
        {
            var id = stats.AssetId;
            Assert.Equal(poolNet[id], Fraction.Of(released[id] - paid[id] - fees[id], 1) - dust[id]);
            Assert.Equal((released[id], paid[id], fees[id]), (stats.Released, stats.PaidOut, stats.Fees));
            Assert.Equal(dust[id], stats.ExactDust);
            Assert.Equal(poolNet[id], stats.ExactPoolNet);
            Assert.Equal(stats.Released - stats.PaidOut - stats.Fees - stats.Dust, stats.PoolNet);
            Assert.Equal(dust[id].Floor(), stats.Dust);
        }
    });

    [Property(MaxTest = Runs)]
    public Property Clear_RandomEpoch_NoPoolEndsNegative() => Check(EpochCase.Any(), audit =>
    {
        // Invariant 4, from the actions: pool before + releases − payouts ≥ 0 for every (chain, token).
        var after = audit.PoolsAfter();
        foreach (var (key, balance) in after)
        {
            Assert.True(balance.Sign >= 0, $"pool {key} ends at {balance}");
        }

        foreach (var pool in audit.Batch.Stats.Pools)
        {
            Assert.Equal(after[(pool.ChainId, pool.Token)], pool.After);
        }
    });

    [Property(MaxTest = 60)]
    public Property Clear_ShuffledOnSeveralThreads_GivesIdenticalBatches() => Prop.ForAll(EpochCase.Any(), Gen.Choose(0, int.MaxValue).ToArbitrary(), (epochCase, shuffleSeed) =>
    {
        // Invariant 5: the output depends on the set of intents only, never on its order or the thread.
        var input = epochCase.Build();
        var expected = BatchAudit.Canonical(EpochClearing.Clear(input));
        var random = new Random(shuffleSeed);
        var inputs = Enumerable.Range(0, 4)
            .Select(_ => input with { Intents = [.. input.Intents.OrderBy(_ => random.Next())], Pools = [.. input.Pools.OrderBy(_ => random.Next())] })
            .ToArray();
        var results = new string[inputs.Length];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = BatchAudit.Canonical(EpochClearing.Clear(inputs[i])));
        Assert.All(results, r => Assert.Equal(expected, r));
    });

    [Property(MaxTest = Runs)]
    public Property Clear_RandomEpoch_EveryIntentEndsInExactlyOneStateWithMatchingActions() => Check(EpochCase.Any(), audit =>
    {
        // Invariant 6, and the legs: each intent filled, refunded or deferred exactly once, with exactly its actions.
        var batch = audit.Batch;
        var all = batch.Filled.Concat(batch.Refunded).Concat(batch.Deferred).ToList();
        Assert.Equal(audit.Input.Intents.Select(i => i.IntentId).Order(), all.Order());
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.All(new[] { batch.Filled, batch.Refunded, batch.Deferred }, list => Assert.Equal(list.Order(), list));

        var refunds = batch.Stats.Refunds.ToDictionary(r => r.IntentId, r => r.Reason);
        foreach (var intent in audit.Input.Intents)
        {
            var reason = audit.ExpectedRefund(intent);
            Assert.Equal(reason is not null, refunds.ContainsKey(intent.IntentId));
            Assert.Equal(reason, refunds.GetValueOrDefault(intent.IntentId));
        }

        var expected = new List<(ChainId, SettlementAction)>();
        foreach (var id in batch.Filled)
        {
            var intent = audit.Intents[id];
            Assert.True(intent.FillDeadline >= audit.Input.ClosesAt + audit.Input.SettlementMarginSeconds);
            Assert.True(audit.Eligible(intent));
            expected.Add((intent.OriginChainId, new SettlementAction(ActionKind.Release, id, intent.InputToken, Bytes32.Zero, UInt256.Zero)));
            expected.Add((intent.DestinationChainId, new SettlementAction(ActionKind.Payout, id, intent.OutputToken, intent.Recipient, UInt256.FromBigInteger(audit.Expected(intent).Payout))));
        }

        foreach (var id in batch.Refunded)
        {
            var intent = audit.Intents[id];
            expected.Add((intent.OriginChainId, new SettlementAction(ActionKind.Refund, id, intent.InputToken, intent.Depositor, intent.InputAmount)));
        }

        Assert.Equal(expected.OrderBy(e => e.Item1).ThenBy(e => e.Item2, Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)), audit.Actions());

        // Legs: ascending chains, canonical order, no empty leg, hashes and root recomputed from Core.
        Assert.Equal(batch.Legs.Select(l => l.ChainId).Order(), batch.Legs.Select(l => l.ChainId));
        foreach (var leg in batch.Legs)
        {
            Assert.NotEmpty(leg.Actions);
            Assert.Equal(batch.BatchRoot, leg.BatchRoot);
            Assert.Equal(MerkleTree.Root(SettlementLeaf.Hashes(leg.ChainId, batch.EpochId, leg.Actions)), leg.LegHash);
        }

        Assert.Equal(MerkleTree.Root(batch.Legs.Select(l => l.LegHash).ToArray()), batch.BatchRoot);
    });

    [Property(MaxTest = Runs)]
    public Property Clear_SingleChainPair_FillsAPrefixOfEachSideInPreferenceOrder() => Check(EpochCase.Crowded(), audit =>
    {
        // Invariant 8: on one chain no pool can go short, so whatever limits or liquidity exclude is decided by the
        // preference order alone: better limit, then earlier deadline, then intent id — a prefix of each side is filled.
        if (audit.Batch.Prices.Count == 0)
        {
            return;
        }

        var filled = audit.Batch.Filled.ToHashSet();
        foreach (var sellsBase in new[] { true, false })
        {
            var side = audit.Input.Intents
                .Where(i => audit.ExpectedRefund(i) is null && audit.RequiredGross(i) is not null)
                .Where(i => audit.In(i).Asset.Id != audit.Out(i).Asset.Id && (string.CompareOrdinal(audit.In(i).Asset.Id, audit.Out(i).Asset.Id) < 0) == sellsBase)
                .Order(Comparer<Intent>.Create((x, y) => PreferenceOrder.Compare(audit, x, y, sellsBase)))
                .ToList();
            var prefix = side.TakeWhile(i => filled.Contains(i.IntentId)).Count();
            Assert.All(side.Skip(prefix), i => Assert.DoesNotContain(i.IntentId, filled));
        }
    });

    internal static Property Check(Arbitrary<EpochCase> cases, Action<BatchAudit> check) =>
        Prop.ForAll(cases, epochCase =>
        {
            var input = epochCase.Build();
            check(new BatchAudit(input, EpochClearing.Clear(input)));
        });
}

/// <summary>The rules' preference within a side, computed independently: a limit as an exact fraction, then deadline, then id.</summary>
internal static class PreferenceOrder
{
    /// <summary>Base sellers: the least acceptable price L = g*·s_q/x (lower first). Quote sellers: U = x/(g*·s_b) (higher first; g* = 0 is +∞).</summary>
    public static (BigInteger Num, BigInteger Den) Limit(BatchAudit audit, Intent intent, bool sellsBase)
    {
        var required = audit.RequiredGross(intent)!.Value * BatchAudit.Scale(audit.Out(intent).Token.Decimals);
        var x = audit.InputUnits(intent);
        return sellsBase ? (required, x) : (x, required);
    }

    public static int Compare(BatchAudit audit, Intent x, Intent y, bool sellsBase)
    {
        var (a, b) = Limit(audit, x, sellsBase);
        var (c, d) = Limit(audit, y, sellsBase);
        var byLimit = (a * d).CompareTo(c * b);
        if (byLimit != 0)
        {
            return sellsBase ? byLimit : -byLimit;
        }

        var byDeadline = x.FillDeadline.CompareTo(y.FillDeadline);
        return byDeadline != 0 ? byDeadline : x.IntentId.CompareTo(y.IntentId);
    }
}
