using System.CommandLine;
using System.Runtime.InteropServices;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

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
        var epochs = new Option<ulong?>("--epochs") { Description = "With --devnet: stop after N epochs, then check every opened intent's fate against the chains (exit 1 on any violation)." };
        var rate = new Option<int>("--rate")
        {
            Description = "With --devnet: intents the traffic generator opens per second, both chains together.",
            DefaultValueFactory = _ => 4,
        };
        var seed = new Option<ulong>("--seed")
        {
            Description = "With --devnet: the traffic mix's seed (the same seed opens the same sequence of intents).",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command(Name, "Run the relayer node until Ctrl+C or SIGTERM.") { config, devnet, dataDirectory, epochs, rate, seed };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(config) is null) == !result.GetValue(devnet))
            {
                result.AddError("give exactly one of --config FILE or --devnet.");
            }

            if (!result.GetValue(devnet) && (result.GetValue(epochs) is not null || result.GetResult(rate) is { Implicit: false } || result.GetResult(seed) is { Implicit: false }))
            {
                result.AddError("--epochs, --rate and --seed go with --devnet.");
            }
        });
        epochs.Validators.Add(result =>
        {
            if (TryValue<ulong?>(result) is { } value && value == 0)
            {
                result.AddError("--epochs must be at least 1.");
            }
        });
        rate.Validators.Add(result =>
        {
            if (TryValue<int?>(result) is { } value && value is < 1 or > 10_000)
            {
                result.AddError("--rate must be between 1 and 10000 intents per second.");
            }
        });
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(config),
            parseResult.GetValue(devnet)
                ? new DevnetNodeSettings(parseResult.GetValue(dataDirectory)!.FullName, parseResult.GetValue(epochs), parseResult.GetValue(rate), parseResult.GetValue(seed))
                : null,
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo? config, DevnetNodeSettings? devnet, TextWriter stdout, TextWriter stderr, CancellationToken invocationToken)
    {
        // Our own signal handling (the CLI's is off for this command): Ctrl+C / SIGTERM cancel start-up (the devnet's
        // child processes are then shut down) and stop the running host within Node:ShutdownTimeout.
        using var interrupted = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        var cancellationToken = interrupted.Token;
        try
        {
            if (devnet is not null)
            {
                var passed = await DevnetNodeRunner.RunAsync(devnet, stdout, TimeProvider.System, cancellationToken).ConfigureAwait(false);
                return passed ? ExitCodes.Success : ExitCodes.InternalError;
            }

            var configuration = NodeOptionsLoader.Load(config!.FullName);
            using var host = BuildHost(configuration, config.FullName);

            // Taken before the run: RunAsync disposes the host's services when it returns.
            var startupFailures = host.Services.GetRequiredService<ChainStartupFailures>();
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (startupFailures.Messages.Count > 0)
            {
                // A start-up check stopped the host while later services were still starting: reported below.
            }

            // A chain that is not what the configuration names stopped the host: a configuration error, exit code 2.
            var misconfigured = startupFailures.Messages;
            if (misconfigured.Count > 0)
            {
                throw new NodeConfigurationException(config.FullName, misconfigured);
            }

            return ExitCodes.Success;
        }
        catch (NodeConfigurationException ex)
        {
            await stderr.WriteAsync($"error: run: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (OptionsValidationException ex)
        {
            // A section's own validation at start (the store's ValidateOnStart): the loader checks the same keys, so
            // this is a second line, still a configuration error naming the key rather than a stack trace.
            await stderr.WriteAsync($"error: run: {new NodeConfigurationException(config?.FullName ?? "run", [.. ex.Failures]).Message}\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await stderr.WriteAsync(devnet is null
                ? "run: interrupted during start-up.\n"
                : "run: interrupted; the node stopped and the local chains were shut down.\n").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
        catch (DevnetException ex)
        {
            await stderr.WriteAsync($"error: run --devnet: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true;
            interrupted.Cancel();
        }
    }

    /// <summary>The option's value, or null when it did not parse (the parser already reports that error).</summary>
    private static T? TryValue<T>(System.CommandLine.Parsing.OptionResult result)
    {
        try
        {
            return result.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return default;
        }
    }

    // Building the host maps and validates the epoch loop's and the bus's options: what they refuse (ArgumentException,
    // OptionsValidationException) is a configuration error, each message naming its key.
    private static IHost BuildHost(LoadedNodeConfiguration configuration, string source)
    {
        try
        {
            return NodeHost.CreateBuilder(configuration).Build();
        }
        catch (Exception ex) when (ex is ArgumentException or OptionsValidationException)
        {
            throw new NodeConfigurationException(source, ex is OptionsValidationException options ? [.. options.Failures] : [ex.Message]);
        }
    }
}
