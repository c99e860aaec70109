using System.Globalization;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Cli;

namespace DiscreteExec.Relayer.Checking;

/// <summary>Counts of one origin chain's intents by fate, and the payouts its escrow made for other chains' intents.</summary>
internal sealed record ChainFates(ChainId ChainId, int Opened, int Filled, int Refunded, int StillOpen, int Payouts);

/// <summary>What <see cref="ChainChecker"/> found: per-chain fates, their totals and every violation.</summary>
internal sealed record ChainCheckReport(IReadOnlyList<ChainFates> Chains, IReadOnlyList<ChainViolation> Violations)
{
    public bool Passed => Violations.Count == 0;

    public int Opened => Chains.Sum(c => c.Opened);

    public int Filled => Chains.Sum(c => c.Filled);

    public int Refunded => Chains.Sum(c => c.Refunded);

    public int StillOpen => Chains.Sum(c => c.StillOpen);

    /// <summary>e.g. <c>chain check: 40 opened, 28 filled, 5 refunded, 7 still open; 0 violations</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"chain check: {Opened} opened, {Filled} filled, {Refunded} refunded, {StillOpen} still open; {Violations.Count} violations");

    /// <summary>The table (one row per chain and a total), the summary line, then one line per violation.</summary>
    public void WriteTo(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var table = new TextTable("CHAIN", "OPENED", "FILLED", "REFUNDED", "STILL OPEN", "PAYOUTS");
        foreach (var chain in Chains)
        {
            table.Add(Cells(chain.ChainId.ToString(), chain.Opened, chain.Filled, chain.Refunded, chain.StillOpen, chain.Payouts));
        }

        table.Add(Cells("total", Opened, Filled, Refunded, StillOpen, Chains.Sum(c => c.Payouts)));
        table.WriteTo(writer, indent: string.Empty);
        writer.Write(Summary + "\n");
        foreach (var violation in Violations)
        {
            writer.Write("  VIOLATION " + violation + "\n");
        }
    }

    private static string[] Cells(string name, params int[] counts) =>
        [name, .. counts.Select(c => c.ToString(CultureInfo.InvariantCulture))];
}
