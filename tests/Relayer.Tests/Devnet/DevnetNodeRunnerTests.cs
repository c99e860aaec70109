using System.Text.RegularExpressions;
using DiscreteExec.Relayer.Devnet;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Devnet;

/// <summary>
/// The long-running devnet (what <c>bash scripts/devnet.sh --epochs N</c> runs) end to end: both local chains, the
/// node with its embedded store and in-memory bus, traffic both ways, then every opened intent's fate read back from
/// the chains. A missing anvil, dev node or .so fails (naming the command), never skips.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class DevnetNodeRunnerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-devnet-node-").FullName;

    [Fact]
    public async Task Run_ThreeEpochsOfTraffic_EveryIntentFilledRefundedOrOpenOnChain_NoneLostNoneDoublePaid()
    {
        using var log = new StringWriter();
        bool passed;
        try
        {
            passed = await DevnetNodeRunner.RunAsync(new DevnetNodeSettings(_directory, Epochs: 3, IntentsPerSecond: 6, Seed: 7), log, TimeProvider.System, CancellationToken.None);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }

        var text = log.ToString();
        Assert.True(passed, "the fate check found violations");
        var epochs = EpochLine().Matches(text).Select(m => ulong.Parse(m.Groups["epoch"].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal([1UL, 2UL, 3UL], epochs);
        var summary = SummaryLine().Match(text);
        Assert.True(summary.Success, "no fate summary line");
        Assert.Equal("0", summary.Groups["lost"].Value);
        Assert.Equal("0", summary.Groups["doublePaid"].Value);

        // The mix fills most intents and refunds those whose deadline falls inside the settlement margin.
        Assert.True(int.Parse(summary.Groups["filled"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(int.Parse(summary.Groups["refunded"].Value, System.Globalization.CultureInfo.InvariantCulture) > 0);

        // The independent chain check read both escrows' histories: no violation, and the same counts the fate check
        // read intent by intent (every intent the traffic opened, and no other). An intent opened in the run's last
        // moments that the node had not stored yet is "dropped by the node" to the fate check, still open to the chain.
        var check = CheckLine().Match(text);
        Assert.True(check.Success, "no chain check summary line");
        Assert.Equal("0", check.Groups["violations"].Value);
        Assert.Equal(
            (summary.Groups["total"].Value, summary.Groups["filled"].Value, summary.Groups["refunded"].Value,
                (int.Parse(summary.Groups["open"].Value, System.Globalization.CultureInfo.InvariantCulture)
                    + (summary.Groups["dropped"].Success ? int.Parse(summary.Groups["dropped"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0)).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            (check.Groups["opened"].Value, check.Groups["filled"].Value, check.Groups["refunded"].Value, check.Groups["open"].Value));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [GeneratedRegex(@"^\s*(?<epoch>\d+)\s+(Duration|IntentCount|Notional|Volatility|resumed)\s", RegexOptions.Multiline)]
    private static partial Regex EpochLine();

    [GeneratedRegex(@"(?<total>\d+) intents: (?<filled>\d+) filled, (?<refunded>\d+) refunded, (?<open>\d+) still open(, (?<dropped>\d+) dropped by the node)?; (?<lost>\d+) lost, (?<doublePaid>\d+) double-paid")]
    private static partial Regex SummaryLine();

    [GeneratedRegex(@"chain check: (?<opened>\d+) opened, (?<filled>\d+) filled, (?<refunded>\d+) refunded, (?<open>\d+) still open; (?<violations>\d+) violations")]
    private static partial Regex CheckLine();
}
