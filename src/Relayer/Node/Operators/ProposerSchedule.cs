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
        var turns = waited <= TimeSpan.Zero ? 0ul : (ulong)(waited.Ticks / proposalTimeout.Ticks);
        return (int)(((epochId % (ulong)operators) + (turns % (ulong)operators)) % (ulong)operators);
    }

    /// <summary>Whether a manifest from <paramref name="proposerIndex"/> is acceptable now: its turn has come (a late proposer of an earlier turn is still heard).</summary>
    public static bool MayPropose(ulong epochId, int proposerIndex, int operators, TimeSpan waited, TimeSpan proposalTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(operators, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(proposerIndex);
        var turns = waited <= TimeSpan.Zero ? 0ul : (ulong)(waited.Ticks / proposalTimeout.Ticks);
        var first = epochId % (ulong)operators;
        var offset = ((ulong)proposerIndex + (ulong)operators - first) % (ulong)operators;
        return proposerIndex < operators && offset <= Math.Min(turns, (ulong)operators - 1);
    }
}
