using System.CommandLine;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>cluster setup</c>: the cluster's chain setup against an anvil and a Solana dev node that already run, writing the
/// three operators' node.json and keys; <c>cluster traffic</c>: the cluster's traffic on the chains a setup deployed.
/// </summary>
internal static class ClusterSetupCommand
{
    public static Command CreateSetup()
    {
        var evmRpc = new Option<string>("--evm-rpc") { Description = "The running anvil (chain 31337) to deploy the token and the 2-of-3 escrow into.", Required = true };
        var solanaRpc = new Option<string>("--solana-rpc") { Description = "The running Solana dev node, the escrow program loaded and not yet initialized.", Required = true };
        var programId = new Option<string>("--solana-program-id") { Description = "The escrow program's id on the dev node.", DefaultValueFactory = _ => SolanaDevChain.DefaultProgramId };
        var broker = new Option<string>("--broker") { Description = "The RabbitMQ every node connects to (amqp://user:password@host:5672/).", Required = true };
        var storeTemplate = new Option<string?>("--store-template") { Description = "Operator i's Redis, {i} its index (e.g. redis-{i}:6379); without it each node uses its embedded store." };
        var apiUrls = new Option<string>("--api-urls") { Description = "Every node's API address.", DefaultValueFactory = _ => "http://0.0.0.0:8080" };
        var nodeData = new Option<string>("--node-data-dir") { Description = "Every node's data directory (relative: beside its node.json).", DefaultValueFactory = _ => "." };
        var evmArtifacts = new Option<DirectoryInfo?>("--evm-artifacts") { Description = "The compiled contracts (IntentEscrow.json, TestToken.json); default: contracts/evm/artifacts of the checkout or beside the binaries." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Where operator-{i}/node.json, their keys and chains.json are written.", Required = true };
        var command = new Command("setup", "Deploy the cluster's 2-of-3 escrows into a running anvil and Solana dev node, fund pools, gas and SOL, and write the three operators' node.json.")
        {
            evmRpc, solanaRpc, programId, broker, storeTemplate, apiUrls, nodeData, evmArtifacts, output,
        };
        command.SetAction((parseResult, cancellationToken) => ClusterCommand.InterruptibleAsync(
            "cluster setup",
            "the chains may hold a partial deploy: restart them and run the setup again",
            parseResult.InvocationConfiguration.Error,
            async token =>
            {
                await ClusterSetup.RunAsync(
                    new ClusterSetupOptions(
                        Url("--evm-rpc", parseResult.GetValue(evmRpc)!),
                        Url("--solana-rpc", parseResult.GetValue(solanaRpc)!),
                        parseResult.GetValue(programId)!,
                        Url("--broker", parseResult.GetValue(broker)!),
                        parseResult.GetValue(storeTemplate),
                        parseResult.GetValue(apiUrls)!,
                        parseResult.GetValue(nodeData)!,
                        parseResult.GetValue(output)!.FullName,
                        parseResult.GetValue(evmArtifacts)?.FullName),
                    parseResult.InvocationConfiguration.Output,
                    TimeProvider.System,
                    token).ConfigureAwait(false);
                return ExitCodes.Success;
            },
            cancellationToken));
        return command;
    }

    public static Command CreateTraffic()
    {
        var setup = new Option<DirectoryInfo>("--setup") { Description = "The directory `cluster setup --out` wrote (its chains.json).", Required = true };
        var evmRpc = new Option<string?>("--evm-rpc") { Description = "The EVM chain's RPC; default: the one the setup deployed into." };
        var solanaRpc = new Option<string?>("--solana-rpc") { Description = "The Solana dev node's RPC; default: the one the setup deployed into." };
        var rate = new Option<int>("--rate") { Description = "Intents opened per second, both chains together.", DefaultValueFactory = _ => 1 };
        var count = new Option<long?>("--count") { Description = "Stop after this many intents; default: run until stopped." };
        var transfersOnly = new Option<bool>("--transfers-only") { Description = "Only transfers the next clearing fills (no refunds or deferrals by their terms)." };
        var seed = new Option<ulong>("--seed") { Description = "The mix's seed (and its depositors' keys): another run on the same chains should use another.", DefaultValueFactory = _ => 1 };
        var command = new Command("traffic", "Open intents both ways (EVM to Solana and back) on the chains a `cluster setup` deployed.") { setup, evmRpc, solanaRpc, rate, count, transfersOnly, seed };
        command.SetAction((parseResult, cancellationToken) => ClusterCommand.InterruptibleAsync(
            "cluster traffic",
            "the intents opened so far stay open on the chains",
            parseResult.InvocationConfiguration.Error,
            async token =>
            {
                if (parseResult.GetValue(count) is <= 0)
                {
                    throw new ArgumentException("--count must be at least 1 (leave it out to run until stopped).");
                }

                await ClusterSetup.TrafficAsync(
                    parseResult.GetValue(setup)!.FullName,
                    parseResult.GetValue(evmRpc) is { } evmUrl ? Url("--evm-rpc", evmUrl) : null,
                    parseResult.GetValue(solanaRpc) is { } solanaUrl ? Url("--solana-rpc", solanaUrl) : null,
                    parseResult.GetValue(rate),
                    parseResult.GetValue(count),
                    parseResult.GetValue(transfersOnly),
                    parseResult.GetValue(seed),
                    parseResult.InvocationConfiguration.Output,
                    TimeProvider.System,
                    token).ConfigureAwait(false);
                return ExitCodes.Success;
            },
            cancellationToken));
        return command;
    }

    /// <summary>An absolute URL given to <paramref name="option"/>; anything else is bad input naming the option.</summary>
    private static Uri Url(string option, string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url)
            ? url
            : throw new ArgumentException($"{option} '{text}' is not an absolute URL (e.g. {(option.Contains("broker", StringComparison.Ordinal) ? "amqp://guest:guest@127.0.0.1:5672/" : "http://127.0.0.1:8545/")}).");
}
