using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// `bench node --intents 1000,10000 --epochs 20[,N...]`: the relayer's overhead per epoch on the local devnet (the
/// node's own time with waits on chains taken out, against the clearing alone) and each intent's end-to-end time.
/// </summary>
internal static class NodeBenchCommand
{
    public const string Name = "node";

    public static Command Create()
    {
        var intents = new Option<string>("--intents") { Description = "Comma-separated intents per epoch, e.g. 1000,10000 (suffix k accepted).", DefaultValueFactory = _ => "1000,10000" };
        var epochs = new Option<string>("--epochs")
        {
            Description = "Epochs measured per size: one number for every size, or one per size (e.g. 20,3 when the larger size takes too long).",
            DefaultValueFactory = _ => "20",
        };
        intents.Validators.Add(result => Check(result, () => BenchCommand.ParseSizes(result.GetValueOrDefault<string>())));
        epochs.Validators.Add(result => Check(result, () => ParseEpochs(result.GetValueOrDefault<string>(), 1)));
        var node = new Command(Name, "Relayer overhead: one node in process on the local devnet (anvil + Solana dev node); node time per epoch without chain waits, p50/p99.")
        {
            intents,
            epochs,
        };
        node.SetAction(async (parseResult, invocationToken) =>
        {
            // Ctrl+C / SIGTERM stop the node and shut the devnet's chains down (the node's host would take the signal otherwise).
            using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
            var cancellationToken = interrupted.Token;
            var output = parseResult.InvocationConfiguration.Output;
            var sizes = BenchCommand.ParseSizes(parseResult.GetValue(intents)!);
            int[] counts;
            try
            {
                counts = ParseEpochs(parseResult.GetValue(epochs)!, sizes.Length);
            }
            catch (ArgumentException ex)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitCodes.BadInput;
            }

            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench node: {Environment.ProcessorCount} cores, .NET {Environment.Version}; a fresh devnet and node per size; embedded store, in-memory bus; intents opened before their epoch (not measured), 90% transfers both ways, 10% refunded")).ConfigureAwait(false);
            var results = new List<(int Intents, IReadOnlyList<NodeBenchEpoch> Epochs)>();
            try
            {
                for (var i = 0; i < sizes.Length; i++)
                {
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{sizes[i]:N0} intents per epoch, {counts[i]} epochs:")).ConfigureAwait(false);
                    results.Add((sizes[i], await NodeBenchmarkRunner.RunAsync(sizes[i], counts[i], output, cancellationToken).ConfigureAwait(false)));
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync("bench node: interrupted; the node stopped and the local chains were shut down.").ConfigureAwait(false);
                return ExitCodes.Interrupted;
            }
            catch (Exception ex) when (ex is DevnetException or TimeoutException)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync($"error: bench node: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.InternalError;
            }

            NodeBenchReport.Write(output, results);
            return ExitCodes.Success;

            void Cancel(PosixSignalContext context)
            {
                context.Cancel = true;
                interrupted.Cancel();
            }
        });
        return node;
    }

    internal static int[] ParseEpochs(string text, int sizes)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 1000
                ? value
                : throw new ArgumentException($"--epochs: '{part}' is not a count between 1 and 1000."))
            .ToArray();
        return counts.Length switch
        {
            0 => throw new ArgumentException($"--epochs: '{text}' lists no count."),
            1 => [.. Enumerable.Repeat(counts[0], sizes)],
            _ when counts.Length == sizes => counts,
            _ => throw new ArgumentException($"--epochs: {counts.Length} counts for {sizes} sizes; give one count, or one per size of --intents."),
        };
    }

    /// <summary>Runs an option's parser while parsing, so that its <see cref="ArgumentException"/> is a usage error (exit 2).</summary>
    internal static void Check(System.CommandLine.Parsing.OptionResult result, Action parse)
    {
        try
        {
            parse();
        }
        catch (ArgumentException ex)
        {
            result.AddError(ex.Message);
        }
    }
}
