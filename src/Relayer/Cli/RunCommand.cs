using System.CommandLine;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using Microsoft.Extensions.Hosting;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>run</c>: the long-running relayer node. <c>--config node.json</c> runs against the configured chains;
/// <c>--devnet</c> starts anvil and the Solana dev node, writes the node.json it uses into the data directory, and runs
/// the node on it. A bad configuration stops start-up with exit code 2 and every bad key named.
/// </summary>
internal static class RunCommand
{
    public const string Name = "run";

    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config") { Description = "The node's configuration (node.json); DISCRETEEXEC__Section__Key environment variables override its keys." };
        var devnet = new Option<bool>("--devnet") { Description = "Start anvil and the Solana dev node, deploy and fund both escrows, write DATA-DIR/node.json and run the node on it." };
        var dataDirectory = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "With --devnet: where node.json, its key files and the node's data go.",
            DefaultValueFactory = _ => new DirectoryInfo("devnet-data"),
        };
        var command = new Command(Name, "Run the relayer node until Ctrl+C or SIGTERM.") { config, devnet, dataDirectory };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(config) is null) == !result.GetValue(devnet))
            {
                result.AddError("give exactly one of --config FILE or --devnet.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(config),
            parseResult.GetValue(devnet) ? parseResult.GetValue(dataDirectory) : null,
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? config, DirectoryInfo? devnetData, TextWriter stdout, TextWriter stderr, CancellationToken invocationToken)
    {
        // Our own signal handling (the CLI's is off for this command): Ctrl+C / SIGTERM cancel start-up (the devnet's
        // child processes are then shut down) and stop the running host within Node:ShutdownTimeout.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        var cancellationToken = interrupted.Token;
        LocalDevnet? devnet = null;
        try
        {
            var path = config?.FullName;
            if (devnetData is not null)
            {
                devnet = await LocalDevnet.StartAsync(stdout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                path = DevnetNodeConfig.Write(DevnetChains.From(devnet), devnetData.FullName);
                await stdout.WriteAsync($"run: wrote {path}\n").ConfigureAwait(false);
            }

            var configuration = NodeOptionsLoader.Load(path!);
            using var host = NodeHost.CreateBuilder(configuration).Build();
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        catch (NodeConfigurationException ex)
        {
            await stderr.WriteAsync($"error: run: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteAsync("run: interrupted during start-up.\n").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (DevnetException ex)
        {
            await stderr.WriteAsync($"error: run --devnet: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
        finally
        {
            if (devnet is not null)
            {
                await devnet.DisposeAsync().ConfigureAwait(false);
            }
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }
}
