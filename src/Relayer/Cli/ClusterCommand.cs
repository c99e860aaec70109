using System.CommandLine;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>cluster --devnet [--epochs N] [--data-dir D]</c>: three operators' nodes as local processes on a local RabbitMQ
/// and anvil (2-of-3 escrow); exit 0 when every node holds the same root for every epoch, every transfer was paid and
/// the chain check finds no violation, 1 otherwise. <c>cluster setup</c> and <c>cluster traffic</c> do the chain setup
/// and open the traffic against chains that already run (the compose file's <c>chain-setup</c> and <c>traffic</c>).
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var devnet = new Option<bool>("--devnet") { Description = "Run on local chains started by this command (required without a subcommand)." };
        var epochs = new Option<ulong>("--epochs") { Description = "Epochs to run before checking.", DefaultValueFactory = _ => 5 };
        var dataDirectory = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Where the operators' node.json files, keys and embedded stores are written (operator-{i}/); cleared at start if a previous run made it.",
            DefaultValueFactory = _ => new DirectoryInfo("cluster-data"),
        };
        var command = new Command("cluster", "Run three operator nodes (2-of-3) as local processes on a local RabbitMQ and anvil; check they agree on every root and the chain holds no violation.")
        {
            devnet, epochs, dataDirectory, ClusterSetupCommand.CreateSetup(), ClusterSetupCommand.CreateTraffic(),
        };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(devnet),
            parseResult.GetValue(dataDirectory)!,
            parseResult.GetValue(epochs),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(bool devnet, DirectoryInfo dataDirectory, ulong epochs, TextWriter stdout, TextWriter stderr, CancellationToken invocationToken)
    {
        if (!devnet)
        {
            await stderr.WriteAsync("error: cluster: give --devnet (local chains started by this command), or a subcommand: setup, traffic.\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        if (epochs == 0)
        {
            await stderr.WriteAsync("error: cluster: --epochs must be at least 1.\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        return await InterruptibleAsync(
            "cluster",
            "the nodes, the broker and the chain were shut down",
            stderr,
            async token => await ClusterRunner.RunAsync(dataDirectory.FullName, epochs, stdout, TimeProvider.System, token).ConfigureAwait(false)
                ? ExitCodes.Success
                : ExitCodes.ViolationsFound,
            invocationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="body"/> as the devnet does: Ctrl+C and SIGTERM cancel it (so that what it started is stopped
    /// before exit); bad input (<see cref="ArgumentException"/>) exits with <see cref="ExitCodes.BadInput"/>,
    /// any other failure with its type and message.
    /// </summary>
    internal static async Task<int> InterruptibleAsync(string name, string whenInterrupted, TextWriter stderr, Func<CancellationToken, Task<int>> body, CancellationToken invocationToken)
    {
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        try
        {
            return await body(interrupted.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            await stderr.WriteAsync($"{name}: interrupted; {whenInterrupted}.\n").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (ArgumentException ex)
        {
            await stderr.WriteAsync($"error: {name}: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            await stderr.WriteAsync($"error: {name}: {ex.GetType().Name}: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
