using System.Globalization;
using System.Numerics;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Checks a <see cref="ChainHistory"/> (the escrows' events and holdings, read from the chains alone) against the
/// promise to depositors: every intent ever opened is closed at most once at its origin (Released or Refunded), paid
/// at most once and only on its destination, paid if and only if released (once its epoch settled), in the token, to
/// the recipient and for at least the minimum it asked for, in the epoch of its Release; nothing stays open past its
/// deadline plus grace once the campaign drained; and each escrow holds, per token, exactly its open deposits plus its
/// pool plus its undelivered claims; and every chunk of one epoch, on every escrow, names the same batch root. Pure:
/// the same history always gives the same report.
/// </summary>
internal static class ChainChecker
{
    public static ChainCheckReport Check(ChainHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var violations = new List<ChainViolation>();
        var opened = CollectOpened(history, violations);
        var closes = CollectCloses(history, opened, violations);
        var payouts = history.Escrows
            .SelectMany(e => e.Records.OfType<PayoutRecord>().Select(p => (Chain: e.ChainId, Payout: p)))
            .ToLookup(p => p.Payout.SourceIntentId);
        var lastEpochApplied = history.Escrows.ToDictionary(
            e => e.ChainId,
            e => e.Records.OfType<LegAppliedRecord>().Select(l => (ulong?)l.EpochId).Max());

        foreach (var group in payouts)
        {
            CheckPayouts(group.Key, [.. group], opened, closes, violations);
        }

        foreach (var (id, (chain, intent)) in opened)
        {
            var close = closes.GetValueOrDefault(id);
            if (close is IntentReleasedRecord released && !payouts.Contains(id) && EpochSettled(history, lastEpochApplied, intent.DestinationChainId, released.EpochId))
            {
                violations.Add(new(id, intent.DestinationChainId, ChainRule.ReleasedNotPaid,
                    $"released at its origin {chain} in epoch {released.EpochId} ({released.Location}), never paid here"));
            }

            if (close is null && history.Drained)
            {
                CheckDeadline(history.Escrows.First(e => e.ChainId == chain), intent, violations);
            }
        }

        CheckOneRootPerEpoch(history, violations);
        foreach (var escrow in history.Escrows)
        {
            CheckAppliedOnce(escrow, violations);
            violations.AddRange(escrow.Records.OfType<UndecodableRecord>().Select(u => new ChainViolation(null, escrow.ChainId, ChainRule.UndecodableEvent, $"{u.Location}: {u.Reason}")));
            violations.AddRange(escrow.Records.OfType<TruncatedLogRecord>().Select(t => new ChainViolation(null, escrow.ChainId, ChainRule.TruncatedLog, $"{t.Location}: {t.Reason}")));
            CheckHoldings(escrow, opened, closes, violations);
        }

        return new ChainCheckReport([.. history.Escrows.Select(e => Fates(e, opened, closes))], violations);
    }

    private static Dictionary<Bytes32, (ChainId Chain, Intent Intent)> CollectOpened(ChainHistory history, List<ChainViolation> violations)
    {
        var opened = new Dictionary<Bytes32, (ChainId Chain, Intent Intent)>();
        foreach (var escrow in history.Escrows)
        {
            foreach (var record in escrow.Records.OfType<IntentOpenedRecord>())
            {
                if (!opened.TryAdd(record.Intent.IntentId, (escrow.ChainId, record.Intent)))
                {
                    violations.Add(new(record.Intent.IntentId, escrow.ChainId, ChainRule.OpenedTwice, $"opened again at {record.Location}"));
                }
            }
        }

        return opened;
    }

    /// <summary>The first Release or Refund of each intent at its own origin; any later one is a violation.</summary>
    private static Dictionary<Bytes32, EscrowRecord> CollectCloses(ChainHistory history, Dictionary<Bytes32, (ChainId Chain, Intent Intent)> opened, List<ChainViolation> violations)
    {
        var closes = new Dictionary<Bytes32, EscrowRecord>();
        foreach (var escrow in history.Escrows)
        {
            foreach (var record in escrow.Records)
            {
                var id = record switch
                {
                    IntentReleasedRecord r => r.IntentId,
                    IntentRefundedRecord r => r.IntentId,
                    _ => (Bytes32?)null,
                };
                if (id is not { } intentId)
                {
                    continue;
                }

                if (!opened.TryGetValue(intentId, out var origin) || origin.Chain != escrow.ChainId)
                {
                    violations.Add(new(intentId, escrow.ChainId, ChainRule.ClosedButNeverOpened, $"{Name(record)} at {record.Location}, but this escrow never opened it"));
                }
                else if (closes.TryGetValue(intentId, out var first))
                {
                    violations.Add(new(intentId, escrow.ChainId, ChainRule.ClosedTwice, $"{Name(record)} at {record.Location} after {Name(first)} at {first.Location}"));
                }
                else
                {
                    closes[intentId] = record;
                }
            }
        }

        return closes;
    }

    private static void CheckPayouts(
        Bytes32 id,
        (ChainId Chain, PayoutRecord Payout)[] payouts,
        Dictionary<Bytes32, (ChainId Chain, Intent Intent)> opened,
        Dictionary<Bytes32, EscrowRecord> closes,
        List<ChainViolation> violations)
    {
        var (firstChain, first) = payouts[0];
        foreach (var (chain, again) in payouts.Skip(1))
        {
            violations.Add(new(id, chain, ChainRule.DoublePayout, $"paid again at {again.Location} (first paid on chain {firstChain} at {first.Location})"));
        }

        if (!opened.TryGetValue(id, out var origin))
        {
            violations.Add(new(id, firstChain, ChainRule.PayoutOfUnknownIntent, $"paid at {first.Location}; no escrow ever opened it"));
            return;
        }

        var intent = origin.Intent;
        foreach (var (chain, payout) in payouts)
        {
            if (chain != intent.DestinationChainId)
            {
                violations.Add(new(id, chain, ChainRule.PayoutOnWrongChain, $"paid at {payout.Location}; its destination is chain {intent.DestinationChainId}"));
            }
        }

        switch (closes.GetValueOrDefault(id))
        {
            case IntentRefundedRecord refunded:
                violations.Add(new(id, firstChain, ChainRule.PayoutOfRefundedIntent, $"paid at {first.Location} and refunded at its origin {origin.Chain} ({refunded.Location})"));
                break;
            case null:
                violations.Add(new(id, firstChain, ChainRule.PayoutWithoutRelease, $"paid at {first.Location} while still open at its origin {origin.Chain}"));
                break;
            case IntentReleasedRecord released:
                CheckPayoutTerms(intent, released, firstChain, first, violations);
                break;
        }
    }

    private static void CheckPayoutTerms(Intent intent, IntentReleasedRecord released, ChainId chain, PayoutRecord payout, List<ChainViolation> violations)
    {
        var wrong = new List<string>();
        if (payout.Token != intent.OutputToken)
        {
            wrong.Add($"token {payout.Token}, asked {intent.OutputToken}");
        }

        if (payout.Recipient is { } recipient && recipient != intent.Recipient)
        {
            wrong.Add($"recipient {recipient}, asked {intent.Recipient}");
        }

        if (payout.Amount < intent.MinOutputAmount)
        {
            wrong.Add($"amount {payout.Amount}, less than the minimum {intent.MinOutputAmount}");
        }

        if (payout.EpochId is { } epoch && epoch != released.EpochId)
        {
            wrong.Add($"epoch {epoch}, released in epoch {released.EpochId}");
        }

        if (wrong.Count > 0)
        {
            violations.Add(new(intent.IntentId, chain, ChainRule.PayoutMismatch, $"paid at {payout.Location} with {string.Join("; ", wrong)}"));
        }
    }

    /// <summary>
    /// An epoch's legs have all applied once the campaign drained, or once the destination applied a leg of a later
    /// epoch (epoch k+1 closes only after every chunk of epoch k applied, so legs apply in epoch order).
    /// </summary>
    private static bool EpochSettled(ChainHistory history, Dictionary<ChainId, ulong?> lastEpochApplied, ChainId destination, ulong epochId) =>
        history.Drained || (lastEpochApplied.GetValueOrDefault(destination) is { } last && last > epochId);

    private static void CheckDeadline(EscrowHistory origin, Intent intent, List<ChainViolation> violations)
    {
        var refundableFrom = (BigInteger)intent.FillDeadline + origin.RefundGraceSeconds;
        if (origin.ChainTime > refundableFrom)
        {
            violations.Add(new(intent.IntentId, origin.ChainId, ChainRule.OpenPastDeadline, string.Create(CultureInfo.InvariantCulture,
                $"still open at chain time {origin.ChainTime}; deadline {intent.FillDeadline} plus grace {origin.RefundGraceSeconds} s has passed")));
        }
    }

    private static void CheckAppliedOnce(EscrowHistory escrow, List<ChainViolation> violations)
    {
        foreach (var twice in escrow.Records.OfType<LegAppliedRecord>().GroupBy(l => (l.EpochId, l.Chunk)).Where(g => g.Count() > 1))
        {
            violations.Add(new(null, escrow.ChainId, ChainRule.ChunkAppliedTwice,
                $"epoch {twice.Key.EpochId} chunk {twice.Key.Chunk} applied at {string.Join(", ", twice.Select(l => l.Location))}"));
        }
    }

    /// <summary>
    /// Every chunk of one epoch, on every escrow, names the same batch root. The first root seen (escrows in order,
    /// records in chain order) stands for the epoch; each other root is reported once, on the chain it first shows on.
    /// </summary>
    private static void CheckOneRootPerEpoch(ChainHistory history, List<ChainViolation> violations)
    {
        var legs = history.Escrows.SelectMany(e => e.Records.OfType<LegAppliedRecord>().Select(l => (Chain: e.ChainId, Leg: l)));
        foreach (var epoch in legs.GroupBy(l => l.Leg.EpochId))
        {
            var roots = epoch.GroupBy(l => l.Leg.BatchRoot).ToArray();
            var first = roots[0].First().Leg;
            foreach (var other in roots.Skip(1))
            {
                violations.Add(new(null, other.First().Chain, ChainRule.EpochRootsDiffer, string.Create(CultureInfo.InvariantCulture,
                    $"epoch {epoch.Key} applied root {other.Key} at {string.Join(", ", other.Select(l => l.Leg.Location))}, and root {first.BatchRoot} at {first.Location}")));
            }
        }
    }

    /// <summary>Per token: held = Σ open deposits + pool + (claims created − claims collected).</summary>
    private static void CheckHoldings(EscrowHistory escrow, Dictionary<Bytes32, (ChainId Chain, Intent Intent)> opened, Dictionary<Bytes32, EscrowRecord> closes, List<ChainViolation> violations)
    {
        var tokens = escrow.Holdings.Select(h => h.Token).ToHashSet();
        var open = opened.Values.Where(o => o.Chain == escrow.ChainId && !closes.ContainsKey(o.Intent.IntentId)).Select(o => o.Intent).ToArray();
        var untracked = open.Select(i => i.InputToken).Where(t => !tokens.Contains(t)).Distinct().ToArray();
        if (untracked.Length > 0)
        {
            violations.Add(new(null, escrow.ChainId, ChainRule.BalanceMismatch, $"open deposits in token(s) {string.Join(", ", untracked)}, whose holdings were not read"));
        }

        foreach (var holdings in escrow.Holdings)
        {
            var deposits = Sum(open.Where(i => i.InputToken == holdings.Token).Select(i => i.InputAmount));
            var claims = Sum(escrow.Records.OfType<ClaimCreatedRecord>().Where(c => c.Token == holdings.Token).Select(c => c.Amount))
                - Sum(escrow.Records.OfType<ClaimCollectedRecord>().Where(c => c.Token == holdings.Token).Select(c => c.Amount));
            var owed = deposits + holdings.Pool.ToBigInteger() + claims;
            if (owed != holdings.Held.ToBigInteger())
            {
                violations.Add(new(null, escrow.ChainId, ChainRule.BalanceMismatch, string.Create(CultureInfo.InvariantCulture,
                    $"token {holdings.Token}: the escrow holds {holdings.Held}, but open deposits {deposits} + pool {holdings.Pool} + claims {claims} = {owed}")));
            }
        }
    }

    private static ChainFates Fates(EscrowHistory escrow, Dictionary<Bytes32, (ChainId Chain, Intent Intent)> opened, Dictionary<Bytes32, EscrowRecord> closes)
    {
        var own = opened.Where(o => o.Value.Chain == escrow.ChainId).Select(o => closes.GetValueOrDefault(o.Key)).ToArray();
        return new ChainFates(
            escrow.ChainId,
            own.Length,
            own.Count(c => c is IntentReleasedRecord),
            own.Count(c => c is IntentRefundedRecord),
            own.Count(c => c is null),
            escrow.Records.OfType<PayoutRecord>().Count());
    }

    private static BigInteger Sum(IEnumerable<UInt256> amounts) => amounts.Aggregate(BigInteger.Zero, (sum, a) => sum + a.ToBigInteger());

    private static string Name(EscrowRecord record) => record is IntentReleasedRecord ? "released" : "refunded";
}
