using System.Collections.Concurrent;
using System.Globalization;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Devnet.Traffic;

namespace DiscreteExec.Relayer.Devnet.FateCheck;

/// <summary>
/// Checks every opened intent's fate against the chains: its origin escrow's state (an escrow keeps one state, so an
/// intent is never both Released and Refunded there) and whether its destination paid it. Released must go with paid
/// and paid with Released; a paid intent's recipient must have gained at least the minimum outputs of all its paid
/// intents (balances before the traffic are taken as 0 unless given: the generator pays fresh accounts); what the
/// node reported filled or refunded must be so on chain; an intent must not end in a fate its parameters rule out.
/// Intents still open are listed with their deadline; those of them the node reported dropped (not in its store, or
/// Retracted there) are listed apart as dropped, since no epoch of that node will ever settle them.
/// </summary>
internal static class IntentFateCheck
{
    /// <summary>Concurrent reads against the chains' RPC endpoints.</summary>
    private const int ReadConcurrency = 8;

    public static async Task<FateCheckResult> RunAsync(
        IReadOnlyList<OpenedIntent> intents,
        IReadOnlyCollection<IEscrowState> escrows,
        ITokenBalances balances,
        IReadOnlyDictionary<Bytes32, ReportedFate>? reported,
        IReadOnlyDictionary<(ChainId Chain, Bytes32 Token, Bytes32 Account), UInt256>? balancesBefore,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intents);
        ArgumentNullException.ThrowIfNull(escrows);
        ArgumentNullException.ThrowIfNull(balances);
        var byChain = escrows.ToDictionary(e => e.ChainId);
        var missing = intents.SelectMany(i => new[] { i.Origin, i.Destination }).Distinct().Where(c => !byChain.ContainsKey(c)).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"No escrow state for chain(s) {string.Join(", ", missing)}, which the intents use.", nameof(escrows));
        }

        var duplicate = intents.GroupBy(i => i.IntentId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Intent {duplicate.Key} is listed {duplicate.Count()} times.", nameof(intents));
        }

        var readings = new ConcurrentDictionary<Bytes32, (EscrowIntentState State, bool Paid)>();
        await Parallel.ForEachAsync(
            intents,
            new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken },
            async (intent, token) =>
            {
                var state = await byChain[intent.Origin].IntentStateAsync(intent.IntentId, token).ConfigureAwait(false);
                var paid = await byChain[intent.Destination].IsPaidAsync(intent.IntentId, token).ConfigureAwait(false);
                readings[intent.IntentId] = (state, paid);
            }).ConfigureAwait(false);

        var violations = new List<FateViolation>();
        var stillOpen = new List<StillOpenIntent>();
        var dropped = new List<StillOpenIntent>();
        int filled = 0, refunded = 0;
        foreach (var intent in intents)
        {
            var (state, paid) = readings[intent.IntentId];
            var fate = Classify(intent, state, paid, violations);
            filled += fate == EscrowIntentState.Released ? 1 : 0;
            refunded += fate == EscrowIntentState.Refunded ? 1 : 0;
            if (fate == EscrowIntentState.Open)
            {
                var open = new StillOpenIntent(intent.IntentId, intent.Origin, intent.Deadline, intent.Expected);
                (reported?.GetValueOrDefault(intent.IntentId) is ReportedFate.Dropped ? dropped : stillOpen).Add(open);
            }

            CheckExpected(intent, state, paid, violations);
            if (reported?.TryGetValue(intent.IntentId, out var claim) == true)
            {
                CheckReported(intent, claim, state, paid, violations);
            }
        }

        await CheckRecipientsAsync(intents, readings, balances, balancesBefore, violations, cancellationToken).ConfigureAwait(false);
        return new FateCheckResult(intents.Count, filled, refunded, stillOpen, violations) { Dropped = dropped };
    }

    /// <summary>The intent's consistent fate (Released and paid, Refunded, Open), or Unknown after adding its violation.</summary>
    private static EscrowIntentState Classify(OpenedIntent intent, EscrowIntentState state, bool paid, List<FateViolation> violations)
    {
        switch (state, paid)
        {
            case (EscrowIntentState.Released, true):
            case (EscrowIntentState.Refunded, false):
            case (EscrowIntentState.Open, false):
                return state;
            case (EscrowIntentState.Unknown, _):
                violations.Add(new(intent.IntentId, intent.Origin, FateViolationKind.MissingAtOrigin, "the origin escrow has no deposit with this id" + (paid ? ", yet the destination paid it" : string.Empty)));
                break;
            case (EscrowIntentState.Released, false):
                violations.Add(new(intent.IntentId, intent.Destination, FateViolationKind.ReleasedNotPaid, "released at its origin, never paid here"));
                break;
            case (EscrowIntentState.Refunded, true):
                violations.Add(new(intent.IntentId, intent.Destination, FateViolationKind.PaidAndRefunded, "paid here and refunded at its origin " + intent.Origin));
                break;
            case (EscrowIntentState.Open, true):
                violations.Add(new(intent.IntentId, intent.Destination, FateViolationKind.PaidWhileOpen, "paid here while still open at its origin " + intent.Origin));
                break;
            default:
                throw new InvalidOperationException($"Escrow state {state} of intent {intent.IntentId} is not one the check knows.");
        }

        return EscrowIntentState.Unknown;
    }

    private static void CheckExpected(OpenedIntent intent, EscrowIntentState state, bool paid, List<FateViolation> violations)
    {
        // Open is always allowed: the intent may not have been cleared yet.
        var ruledOut = intent.Expected switch
        {
            ExpectedFate.Filled => state == EscrowIntentState.Refunded,
            ExpectedFate.Refunded or ExpectedFate.Deferred => state == EscrowIntentState.Released || paid,
            _ => false,
        };
        if (ruledOut)
        {
            violations.Add(new(intent.IntentId, intent.Origin, FateViolationKind.UnexpectedFate,
                $"expected {intent.Expected.ToString().ToLowerInvariant()}, but it is {state.ToString().ToLowerInvariant()}{(paid ? " and paid" : string.Empty)}"));
        }
    }

    private static void CheckReported(OpenedIntent intent, ReportedFate claim, EscrowIntentState state, bool paid, List<FateViolation> violations)
    {
        if (claim == ReportedFate.Filled && !(state == EscrowIntentState.Released && paid))
        {
            violations.Add(new(intent.IntentId, paid ? intent.Origin : intent.Destination, FateViolationKind.ReportedFilledNotOnChain,
                $"the node reported it filled; origin state {state.ToString().ToLowerInvariant()}, {(paid ? "paid" : "not paid")} at destination"));
        }
        else if (claim == ReportedFate.Refunded && state != EscrowIntentState.Refunded)
        {
            violations.Add(new(intent.IntentId, intent.Origin, FateViolationKind.ReportedRefundedNotOnChain,
                $"the node reported it refunded; origin state {state.ToString().ToLowerInvariant()}"));
        }
    }

    /// <summary>Per recipient (destination chain, output token, account): balance gain ≥ Σ min outputs of its paid intents.</summary>
    private static async Task CheckRecipientsAsync(
        IReadOnlyList<OpenedIntent> intents,
        IReadOnlyDictionary<Bytes32, (EscrowIntentState State, bool Paid)> readings,
        ITokenBalances balances,
        IReadOnlyDictionary<(ChainId Chain, Bytes32 Token, Bytes32 Account), UInt256>? balancesBefore,
        List<FateViolation> violations,
        CancellationToken cancellationToken)
    {
        var recipients = intents.Where(i => readings[i.IntentId].Paid)
            .GroupBy(i => (Chain: i.Destination, Token: i.OutputToken, Account: i.Recipient))
            .ToArray();
        var shortfalls = new ConcurrentBag<FateViolation>();
        await Parallel.ForEachAsync(
            recipients,
            new ParallelOptions { MaxDegreeOfParallelism = ReadConcurrency, CancellationToken = cancellationToken },
            async (group, token) =>
            {
                var owed = group.Aggregate(UInt256.Zero, (sum, i) => sum + i.MinOutput);
                var before = balancesBefore?.GetValueOrDefault(group.Key) ?? UInt256.Zero;
                var now = await balances.BalanceAsync(group.Key.Chain, group.Key.Token, group.Key.Account, token).ConfigureAwait(false);
                if (now < before || now - before < owed)
                {
                    shortfalls.Add(new(group.First().IntentId, group.Key.Chain, FateViolationKind.RecipientUnderpaid, string.Create(CultureInfo.InvariantCulture,
                        $"recipient {group.Key.Account} gained {(now < before ? "less than nothing" : (now - before).ToString())} of token {group.Key.Token}, its {group.Count()} paid intent(s) ({string.Join(", ", group.Select(i => i.IntentId))}) promise at least {owed}")));
                }
            }).ConfigureAwait(false);
        violations.AddRange(shortfalls.OrderBy(v => v.IntentId.ToString(), StringComparer.Ordinal));
    }
}
