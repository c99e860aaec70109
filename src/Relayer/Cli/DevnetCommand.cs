using System.CommandLine;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>devnet</c>: the relayer's main job end to end on local chains (anvil and the Solana dev node): open intents on
/// both, watch them into an epoch, clear it, settle each chain's leg, replay the legs as no-ops, shut down.
/// Needs no configuration; a missing tool fails with the command that installs it.
/// </summary>
internal static class DevnetCommand
{
    public static Command Create()
    {
        var command = new Command(
            "devnet",
            "Run the relayer end to end on a local anvil and Solana dev node: open intents on both chains, watch, clear one epoch, settle both legs, replay them as no-ops, and shut down.");
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(TextWriter stdout, TextWriter stderr, CancellationToken invocationToken)
    {
        // Ctrl+C and SIGTERM must stop the run through cancellation, so that the child nodes are killed before the
        // process exits; without our own registration the runtime's default handling ends the process at once and
        // leaves anvil and the dev node running.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        var cancellationToken = interrupted.Token;
        try
        {
            await DevnetRunner.RunAsync(stdout, TimeProvider.System, inspect: null, cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteAsync("devnet: interrupted; the local chains were shut down.\n").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (DevnetException ex)
        {
            await stderr.WriteAsync($"error: devnet: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            // An adapter's own exception (RPC, submission) already names the chain, epoch and chunk; keep its type.
            await stderr.WriteAsync($"error: devnet: {ex.GetType().Name}: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
