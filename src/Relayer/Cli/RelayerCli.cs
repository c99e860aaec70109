using System.CommandLine;

namespace DiscreteExec.Relayer.Cli;

/// <summary>The relayer's command line: one small class per command, composed here.</summary>
internal static class RelayerCli
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("DiscreteExec relayer: clears epochs of cross-chain intents into settlement batches, measures the clearing, and runs end to end on a local devnet.");
        root.Subcommands.Add(ClearCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(DevnetCommand.Create());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(CheckCommand.Create());
        root.Subcommands.Add(ClusterCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            // A usage error is bad input too: exit 2 (System.CommandLine's default would be 1).
            foreach (var parseError in parseResult.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            }

            await error.WriteLineAsync("Run 'relayer --help' for usage.".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        var configuration = new InvocationConfiguration { Output = output, Error = error };
        if (parseResult.CommandResult.Command.Name is RunCommand.Name or NodeBenchCommand.Name)
        {
            // The node (run, bench node) handles Ctrl+C / SIGTERM itself and stops within its configured shutdown timeout; the CLI's
            // own handling would end the process after 2 s, in the middle of that shutdown.
            configuration.ProcessTerminationTimeout = null;
        }

        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
