namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Who proposes epoch k: the operator at index k mod N; each full <c>ProposalTimeout</c> without a valid manifest
/// hands the turn to the next index. The wait is measured from when the epoch became proposable (the previous one
/// Attested) on the node's TimeProvider, so every node's clock only decides when it looks, never the order.
/// </summary>
internal static class ProposerSchedule
{
    public static int ProposerOf(ulong epochId, int operators, TimeSpan waited, TimeSpan proposalTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operators, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(proposalTimeout, TimeSpan.Zero);
        return (int)(((epochId % (ulong)operators) + (Turns(waited, proposalTimeout) % (ulong)operators)) % (ulong)operators);
    }

    /// <summary>Whether a manifest from <paramref name="proposerIndex"/> is acceptable now: its turn has come (a late proposer of an earlier turn is still heard).</summary>
    public static bool MayPropose(ulong epochId, int proposerIndex, int operators, TimeSpan waited, TimeSpan proposalTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operators, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(proposerIndex);
        return proposerIndex < operators && Offset(epochId, proposerIndex, operators) <= Math.Min(Turns(waited, proposalTimeout), (ulong)operators - 1);
    }

    /// <summary>
    /// Whether the turn of <paramref name="proposerIndex"/> is over: a full proposal timeout passed since it came, so the
    /// next index's turn has come. A manifest of that index still not judgeable then no longer holds the epoch.
    /// </summary>
    public static bool TurnEnded(ulong epochId, int proposerIndex, int operators, TimeSpan waited, TimeSpan proposalTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operators, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(proposerIndex);
        return proposerIndex >= operators || Turns(waited, proposalTimeout) > Offset(epochId, proposerIndex, operators);
    }

    private static ulong Turns(TimeSpan waited, TimeSpan proposalTimeout) =>
        waited <= TimeSpan.Zero ? 0ul : (ulong)(waited.Ticks / proposalTimeout.Ticks);

    // How many turns after the epoch's first proposer the index's turn comes.
    private static ulong Offset(ulong epochId, int proposerIndex, int operators) =>
        ((ulong)proposerIndex + (ulong)operators - (epochId % (ulong)operators)) % (ulong)operators;
}
