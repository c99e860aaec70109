using System.Globalization;
using DiscreteExec.Relayer.Bench;

namespace DiscreteExec.Relayer.Cli;

/// <summary>The tables <c>bench node</c> prints: per epoch size, p50/p99 of each time over its epochs and over its intents.</summary>
internal static class NodeBenchReport
{
    /// <summary>The relayer-overhead goal: p99 of the node's time beyond the clearing under this many ms, at <see cref="GoalIntents"/> intents per epoch.</summary>
    public const int GoalMilliseconds = 100;

    public const int GoalIntents = 1_000;

    public static void Write(TextWriter output, IReadOnlyList<(int Intents, IReadOnlyList<NodeBenchEpoch> Epochs)> results)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(results);
        output.Write("\nper epoch, p50 / p99 over the epochs (ms; node = close..last payout sent, waits on chains taken out; p99 of 20 values is their maximum):\n");
        var epochs = new TextTable("intents/epoch", "epochs", "node", "clearing", "node - clearing", "chain wait", "settle latency", "margin step");
        foreach (var (intents, measured) in results)
        {
            var summaries = measured.Select(e => e.Summary).ToArray();
            epochs.Add(
                intents.ToString("N0", CultureInfo.InvariantCulture),
                measured.Count.ToString(CultureInfo.InvariantCulture),
                Spread(summaries.Select(NodeBenchmarkRunner.SettlingNodeTime)),
                Spread(summaries.Select(s => s.ClearingTime)),
                Spread(summaries.Select(s => NodeBenchmarkRunner.SettlingNodeTime(s) - s.ClearingTime)),
                Spread(summaries.Select(NodeBenchmarkRunner.SettlingChainWait)),
                Spread(summaries.Select(s => s.SettleLatency)),
                Spread(summaries.Select(s => NodeBenchmarkRunner.StepOf(s, "margin").Node)));
        }

        epochs.WriteTo(output, "  ");
        foreach (var (intents, measured) in results.Where(r => r.Intents == GoalIntents))
        {
            var beyondClearing = NodeBenchmarkRunner.Percentile(measured.Select(e => NodeBenchmarkRunner.SettlingNodeTime(e.Summary) - e.Summary.ClearingTime), 99);
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"  goal at {intents:N0} intents: p99 of node - clearing < {GoalMilliseconds} ms; measured {beyondClearing.TotalMilliseconds:0} ms: {(beyondClearing.TotalMilliseconds < GoalMilliseconds ? "met" : "missed")}\n"));
        }

        output.Write("\nnode time by step, and the chunk-progress writes, one per change of one chunk (p50 count; their summed time p50 / p99, ms, partly inside chain wait):\n");
        var steps = new TextTable(["intents/epoch", .. NodeBenchmarkRunner.SettlingSteps, "chunk-progress writes", "their time"]);
        foreach (var (intents, measured) in results)
        {
            steps.Add([
                intents.ToString("N0", CultureInfo.InvariantCulture),
                .. NodeBenchmarkRunner.SettlingSteps.Select(step => Spread(measured.Select(e => NodeBenchmarkRunner.StepOf(e.Summary, step).Node))),
                NodeBenchmarkRunner.Percentile(measured.Select(e => TimeSpan.FromTicks(e.Summary.LedgerSaves)), 50).Ticks.ToString(CultureInfo.InvariantCulture),
                Spread(measured.Select(e => e.Summary.LedgerSaveTime))]);
        }

        steps.WriteTo(output, "  ");
        output.Write("\nper intent, opening final -> payout final (epoch Settled), p50 / p99 over every intent (ms; polling = the loop's poll interval between steps that could not proceed yet):\n");
        var intentsTable = new TextTable("intents/epoch", "intents", "end to end", "epoch wait", "node", "chain", "polling");
        foreach (var (intents, measured) in results)
        {
            var all = measured.SelectMany(e => e.Intents).ToArray();
            intentsTable.Add(
                intents.ToString("N0", CultureInfo.InvariantCulture),
                all.Length.ToString(CultureInfo.InvariantCulture),
                Spread(all.Select(i => i.Total)),
                Spread(all.Select(i => i.EpochWait)),
                Spread(all.Select(i => i.Node)),
                Spread(all.Select(i => i.Chain)),
                Spread(all.Select(i => i.Polling)));
        }

        intentsTable.WriteTo(output, "  ");
        output.Write("\nsetup (not measured): opening one epoch's intents took, p50 / p99 (ms):\n");
        foreach (var (intents, measured) in results)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture, $"  {intents:N0}: {Spread(measured.Select(e => e.OpeningTime))}\n"));
        }
    }

    private static string Spread(IEnumerable<TimeSpan> values)
    {
        var all = values.ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"{NodeBenchmarkRunner.Percentile(all, 50).TotalMilliseconds:0} / {NodeBenchmarkRunner.Percentile(all, 99).TotalMilliseconds:0}");
    }
}
