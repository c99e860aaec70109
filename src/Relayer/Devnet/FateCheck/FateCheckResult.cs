using System.Globalization;

namespace DiscreteExec.Relayer.Devnet.FateCheck;

/// <summary>
/// The outcome of <see cref="IntentFateCheck"/>: counts per fate, the intents still open and every violation.
/// <see cref="Passed"/> is what the caller turns into its exit code.
/// </summary>
internal sealed record FateCheckResult(int Total, int Filled, int Refunded, IReadOnlyList<StillOpenIntent> StillOpen, IReadOnlyList<FateViolation> Violations)
{
    public bool Passed => Violations.Count == 0;

    /// <summary>
    /// Intents open at their origin that the node does not hold as booked (never stored, or Retracted): their own
    /// category, not counted as still open. Not a violation: the last intents of a run may not have reached the node
    /// yet when the check runs, and a dropped deposit is not lost (its depositor takes it back after the deadline).
    /// </summary>
    public IReadOnlyList<StillOpenIntent> Dropped { get; init; } = [];

    /// <summary>Violations that lose a deposit or a payout (missing at origin, released but unpaid, recipient underpaid).</summary>
    public int Lost => Violations.Where(v => v.IsLoss).Select(v => v.IntentId).Distinct().Count();

    /// <summary>Intents paid while refunded or still open at their origin.</summary>
    public int DoublePaid => Violations.Where(v => v.IsDoublePayment).Select(v => v.IntentId).Distinct().Count();

    /// <summary>e.g. <c>40 intents: 28 filled, 5 refunded, 7 still open; 0 lost, 0 double-paid</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"{Total} intents: {Filled} filled, {Refunded} refunded, {StillOpen.Count} still open{(Dropped.Count > 0 ? $", {Dropped.Count} dropped by the node" : string.Empty)}; {Lost} lost, {DoublePaid} double-paid");

    /// <summary>The summary line, then one line per violation, then the open and the dropped intents with their deadlines.</summary>
    public void WriteTo(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        DevnetLog.Line(log, Summary);
        foreach (var violation in Violations)
        {
            DevnetLog.Line(log, "  VIOLATION " + violation);
        }

        foreach (var open in StillOpen)
        {
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  open {open.IntentId} on chain {open.Origin}, deadline {open.Deadline} (expected {open.Expected.ToString().ToLowerInvariant()})"));
        }

        foreach (var dropped in Dropped)
        {
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  dropped {dropped.IntentId} on chain {dropped.Origin}: open there, not booked by the node; deadline {dropped.Deadline}"));
        }
    }
}
