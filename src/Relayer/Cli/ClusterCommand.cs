using System.CommandLine;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>cluster --devnet [--epochs N] [--data-dir D]</c>: three operators' nodes as local processes on a local RabbitMQ
/// and anvil (2-of-3 escrow); exit 0 when every node holds the same root for every epoch, every transfer was paid and
/// the chain check finds no violation, 1 otherwise.
/// </summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var devnet = new Option<bool>("--devnet") { Description = "Run on local chains started by this command (the only mode so far).", Required = true };
        var epochs = new Option<ulong>("--epochs") { Description = "Epochs to run before checking.", DefaultValueFactory = _ => 5 };
        var dataDirectory = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Where the operators' node.json files, keys and embedded stores are written (operator-{i}/); cleared at start if a previous run made it.",
            DefaultValueFactory = _ => new DirectoryInfo("cluster-data"),
        };
        var command = new Command("cluster", "Run three operator nodes (2-of-3) as local processes on a local RabbitMQ and anvil; check they agree on every root and the chain holds no violation.") { devnet, epochs, dataDirectory };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(dataDirectory)!,
            parseResult.GetValue(epochs),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo dataDirectory, ulong epochs, TextWriter stdout, TextWriter stderr, CancellationToken invocationToken)
    {
        if (epochs == 0)
        {
            await stderr.WriteAsync("error: cluster: --epochs must be at least 1.\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        // As the devnet: Ctrl+C and SIGTERM cancel, so that the nodes, the broker and anvil are stopped before exit.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        try
        {
            return await ClusterRunner.RunAsync(dataDirectory.FullName, epochs, stdout, TimeProvider.System, interrupted.Token).ConfigureAwait(false)
                ? ExitCodes.Success
                : ExitCodes.ViolationsFound;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            await stderr.WriteAsync("cluster: interrupted; the nodes, the broker and the chain were shut down.\n").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            await stderr.WriteAsync($"error: cluster: {ex.GetType().Name}: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
