using System.CommandLine;
using System.Globalization;
using DiscreteExec.Relayer.Bench;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// `bench operators --seats 3,5 --intents 1000,10000 --epochs 20`: the cost of verification on top of clearing, from a
/// manifest's publication until the proposer holds a threshold of signatures for every chunk (in-process seats).
/// </summary>
internal static class OperatorBenchCommand
{
    public const string Name = "operators";

    public static Command Create()
    {
        var seats = new Option<string>("--seats") { Description = "Comma-separated operator-set sizes N (2-16); the threshold is N/2 + 1.", DefaultValueFactory = _ => "3,5" };
        var intents = new Option<string>("--intents") { Description = "Comma-separated intents per epoch, e.g. 1000,10000 (suffix k accepted).", DefaultValueFactory = _ => "1000,10000" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs measured per (seats, intents), after one warm-up epoch.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic epoch.", DefaultValueFactory = _ => 42 };
        seats.Validators.Add(result => NodeBenchCommand.Check(result, () => ParseSeats(result.GetValueOrDefault<string>())));
        intents.Validators.Add(result => NodeBenchCommand.Check(result, () => BenchCommand.ParseSizes(result.GetValueOrDefault<string>())));
        epochs.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 1 or > 1000) { result.AddError("--epochs must be between 1 and 1000."); } });
        var command = new Command(Name, "Verification cost: a manifest's publication to a threshold of signatures for every chunk, N seats in this process, p50/p99, against the clearing alone.")
        {
            seats,
            intents,
            epochs,
            seed,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var seatCounts = ParseSeats(parseResult.GetValue(seats)!);
            var sizes = BenchCommand.ParseSizes(parseResult.GetValue(intents)!);
            var count = parseResult.GetValue(epochs);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench operators: {Environment.ProcessorCount} cores, .NET {Environment.Version}, seed {parseResult.GetValue(seed)}, {count} epochs each after warm-up epochs; seats in this process (in-memory stores and exchange, EVM signatures on every chain), sharing the cores")).ConfigureAwait(false);
            var table = new TextTable("seats", "M", "intents", "chunks", "clearing ms", "one verifier ms", "its rule ms", "its signing ms", "to threshold ms", "threshold/clearing");
            foreach (var size in sizes)
            {
                foreach (var n in seatCounts)
                {
                    var result = await OperatorBenchmarkRunner.RunAsync(n, size, count, parseResult.GetValue(seed), cancellationToken).ConfigureAwait(false);
                    table.Add(Row(result));
                }
            }

            await output.WriteLineAsync("p50 / p99 over the epochs (p99 of 20 values is their maximum); one verifier = its intake, the verifier rule (its own clearing included) and a signature per chunk; ratio of the p50s:").ConfigureAwait(false);
            table.WriteTo(output, "  ");
            return ExitCodes.Success;
        });
        return command;
    }

    internal static int[] ParseSeats(string text)
    {
        int[] counts =
        [
            .. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
                int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 2 and <= 16
                    ? value
                    : throw new ArgumentException($"--seats: '{part}' is not an operator count between 2 and 16.")),
        ];
        return counts.Length > 0 ? counts : throw new ArgumentException($"--seats: '{text}' lists no count; give at least one, e.g. 3,5.");
    }

    private static string[] Row(OperatorBenchResult result)
    {
        var clearing = Percentiles(result.Epochs.Select(e => e.Clearing));
        var toThreshold = Percentiles(result.Epochs.Select(e => e.ToThreshold));
        return
        [
            result.Seats.ToString(CultureInfo.InvariantCulture),
            result.Threshold.ToString(CultureInfo.InvariantCulture),
            result.Intents.ToString("N0", CultureInfo.InvariantCulture),
            result.Chunks.ToString("N0", CultureInfo.InvariantCulture),
            Spread(clearing),
            Spread(Percentiles(result.Epochs.SelectMany(e => e.Verifiers).Select(v => v.Total))),
            Spread(Percentiles(result.Epochs.SelectMany(e => e.Verifiers).Select(v => v.Rule))),
            Spread(Percentiles(result.Epochs.SelectMany(e => e.Verifiers).Select(v => v.Signing))),
            Spread(toThreshold),
            BenchCommand.FormatRatio(toThreshold.P50.Ticks, clearing.P50.Ticks),
        ];
    }

    private static (TimeSpan P50, TimeSpan P99) Percentiles(IEnumerable<TimeSpan> values)
    {
        var all = values.ToArray();
        return (NodeBenchmarkRunner.Percentile(all, 50), NodeBenchmarkRunner.Percentile(all, 99));
    }

    private static string Spread((TimeSpan P50, TimeSpan P99) values) =>
        string.Create(CultureInfo.InvariantCulture, $"{values.P50.TotalMilliseconds:0.0} / {values.P99.TotalMilliseconds:0.0}");
}
