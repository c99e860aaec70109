namespace DiscreteExec.Core.Settlement;

/// <summary>The kind of a settlement action; the numbers are the on-chain encoding.</summary>
public enum ActionKind : byte
{
    /// <summary>A local Open intent was filled: its input moves into the pool.</summary>
    Release = 0,

    /// <summary>A local Open intent goes back to its depositor.</summary>
    Refund = 1,

    /// <summary>Paid from the pool to a recipient for an intent that originated on another chain.</summary>
    Payout = 2,

    /// <summary>Pool liquidity leaves (rebalancing).</summary>
    Withdraw = 3,
}

/// <summary>
/// One action of a settlement leg. Unused fields are zero: a release carries its token, a zero account
/// and a zero amount; a payout's <see cref="IntentId"/> is the source intent on its origin chain.
/// </summary>
public readonly record struct SettlementAction(ActionKind Kind, Bytes32 IntentId, Bytes32 Token, Bytes32 Account, UInt256 Amount)
{
    /// <summary>The canonical leg order: kind, then intent id (withdraws: token, then account), bytewise ascending.</summary>
    public static int CompareCanonical(SettlementAction a, SettlementAction b)
    {
        var byKind = a.Kind.CompareTo(b.Kind);
        if (byKind != 0)
        {
            return byKind;
        }

        if (a.Kind == ActionKind.Withdraw)
        {
            var byToken = a.Token.CompareTo(b.Token);
            if (byToken != 0)
            {
                return byToken;
            }

            var byAccount = a.Account.CompareTo(b.Account);
            return byAccount != 0 ? byAccount : a.Amount.CompareTo(b.Amount);
        }

        return a.IntentId.CompareTo(b.IntentId);
    }
}
