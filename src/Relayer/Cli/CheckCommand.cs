using System.CommandLine;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>check --config node.json [--drained]</c>: reads every configured escrow's history from its chain's JSON-RPC
/// endpoint and checks every intent ever opened (<see cref="ChainChecker"/>); prints the table and the violations.
/// Exit 0 when none, 1 on any violation, 2 for a bad configuration.
/// </summary>
internal static class CheckCommand
{
    public const string Name = "check";

    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The node's configuration (node.json): each chain's RPC endpoint and escrow.", Required = true };
        var drained = new Option<bool>("--drained")
        {
            Description = "The campaign is over and no epoch is in flight: every Release must have its Payout, and nothing may be open past its deadline plus grace.",
        };
        var command = new Command(Name, "Check every intent's fate on the chains alone (closed once, paid once, released iff paid, balances); exit 1 on any violation.") { config, drained };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            parseResult.GetValue(config)!,
            parseResult.GetValue(drained),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo config, bool drained, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = NodeOptionsLoader.Load(config.FullName);
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };

            // The node's start-up identity check first: a configuration naming another chain, or an address that is no
            // escrow, is bad input (exit 2), not a chain that could not be read.
            foreach (var chain in configuration.Chains)
            {
                await ChainProbe.Create(chain, http, NullLoggerFactory.Instance, TimeProvider.System).ProbeAsync(cancellationToken).ConfigureAwait(false);
            }

            var history = await ChainHistoryReading.ReadAsync(configuration, drained, http, NullLoggerFactory.Instance, TimeProvider.System, cancellationToken).ConfigureAwait(false);
            var report = ChainChecker.Check(history);
            report.WriteTo(stdout);
            return report.Passed ? ExitCodes.Success : ExitCodes.ViolationsFound;
        }
        catch (Exception ex) when (ex is NodeConfigurationException or ChainMismatchException)
        {
            await stderr.WriteAsync($"error: check: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is InvalidDataException or ChainRpcException or HttpRequestException)
        {
            // A chain that cannot be read, or reads as something no escrow writes: no verdict, said plainly.
            await stderr.WriteAsync($"error: check: {ex.Message}\n").ConfigureAwait(false);
            return ExitCodes.InternalError;
        }
    }
}
