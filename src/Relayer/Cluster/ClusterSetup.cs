using System.Globalization;
using System.Text.Json;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.Traffic;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>What <c>relayer cluster setup</c> deploys into and writes.</summary>
/// <param name="EvmRpc">The running anvil (chain 31337, account 0 funded).</param>
/// <param name="SolanaRpc">The running Solana dev node, with the escrow program <paramref name="SolanaProgramId"/> loaded and not initialized.</param>
/// <param name="SolanaProgramId">The escrow program's id on that node.</param>
/// <param name="Broker">The RabbitMQ every node connects to.</param>
/// <param name="StoreTemplate">Operator i's Redis, with <c>{i}</c> for its index (e.g. <c>redis-{i}:6379</c>); null: each node's embedded store.</param>
/// <param name="ApiUrls">Every node's API address (e.g. <c>http://0.0.0.0:8080</c>).</param>
/// <param name="NodeDataDirectory">Every node's data directory (relative: beside its node.json).</param>
/// <param name="OutDirectory">Where operator-{i}/node.json, their keys and <see cref="ClusterSetup.ChainsFile"/> are written.</param>
/// <param name="EvmArtifacts">The compiled contracts' directory; null: found from the checkout or beside the binaries.</param>
internal sealed record ClusterSetupOptions(
    Uri EvmRpc, Uri SolanaRpc, string SolanaProgramId, Uri Broker, string? StoreTemplate, string ApiUrls, string NodeDataDirectory, string OutDirectory, string? EvmArtifacts);

/// <summary>
/// The cluster's chain setup against chains that already run (the compose file's <c>chain-setup</c> service): both
/// escrows deployed with the three operators as 2-of-3 signers, pools funded, each operator's submitter and fee payer
/// given gas and SOL (<see cref="ClusterChainSetup"/>), then each operator's node.json and keys
/// (<see cref="ClusterNodeConfigs"/>) and the chains' addresses (<see cref="ChainsFile"/>, what <c>cluster traffic</c> reads).
/// </summary>
internal static class ClusterSetup
{
    /// <summary>The deployed chains' description in the setup directory (<see cref="ClusterChain"/> as JSON).</summary>
    public const string ChainsFile = "chains.json";

    public const string OperatorIndexPlaceholder = "{i}";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static async Task<IReadOnlyList<string>> RunAsync(ClusterSetupOptions options, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var seats = Seats(options.StoreTemplate, options.ApiUrls, options.NodeDataDirectory);
        var artifacts = options.EvmArtifacts ?? DevnetPrerequisites.LocateEvmArtifacts();
        await using var devnet = await ClusterChainSetup.DeployIntoAsync(options.EvmRpc, options.SolanaRpc, options.SolanaProgramId, artifacts, log, time, cancellationToken).ConfigureAwait(false);
        var configs = Write(ClusterChainSetup.Describe(devnet, options.Broker), seats, options.OutDirectory);
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"cluster setup: pools funded ({ClusterChainSetup.PoolLiquidityUsdc} USDC each), {configs.Count} operators' gas and SOL given; wrote {string.Join(", ", configs)} and {Path.Combine(Path.GetFullPath(options.OutDirectory), ChainsFile)}"));
        return configs;
    }

    /// <summary>Each operator's seat: its store from <paramref name="storeTemplate"/> (null: embedded), the shared API address and data directory.</summary>
    public static IReadOnlyList<ClusterNodeSeat> Seats(string? storeTemplate, string apiUrls, string nodeDataDirectory)
    {
        if (storeTemplate is not null && !storeTemplate.Contains(OperatorIndexPlaceholder, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The store template '{storeTemplate}' has no {OperatorIndexPlaceholder}: every operator needs its own store (e.g. redis-{OperatorIndexPlaceholder}:6379).", nameof(storeTemplate));
        }

        return [.. ClusterNodeConfigs.OperatorIds.Select((_, i) => new ClusterNodeSeat(
            storeTemplate?.Replace(OperatorIndexPlaceholder, i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), apiUrls, nodeDataDirectory))];
    }

    /// <summary>Writes every operator's node.json and keys and <see cref="ChainsFile"/> under <paramref name="outDirectory"/>; returns the node.json paths.</summary>
    public static IReadOnlyList<string> Write(ClusterChain chain, IReadOnlyList<ClusterNodeSeat> seats, string outDirectory)
    {
        var configs = ClusterNodeConfigs.Write(chain, seats, outDirectory);
        File.WriteAllText(Path.Combine(Path.GetFullPath(outDirectory), ChainsFile), JsonSerializer.Serialize(chain, Json) + "\n");
        return configs;
    }

    /// <summary>The chains a setup wrote into <paramref name="setupDirectory"/>; a missing or unreadable file is an error naming it.</summary>
    public static ClusterChain ReadChains(string setupDirectory)
    {
        var path = Path.Combine(Path.GetFullPath(setupDirectory), ChainsFile);
        if (!File.Exists(path))
        {
            throw new DevnetException($"{path} does not exist: run `relayer cluster setup --out {setupDirectory}` first.");
        }

        try
        {
            return JsonSerializer.Deserialize<ClusterChain>(File.ReadAllText(path), Json)
                ?? throw new DevnetException($"{path} holds null, not the chains of a cluster setup.");
        }
        catch (JsonException ex)
        {
            throw new DevnetException($"{path} is not the chains of a cluster setup: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Opens the cluster's traffic (<see cref="ClusterChainSetup.TrafficAsync(LocalDevnet, bool, int, ulong, TimeProvider, CancellationToken)"/>)
    /// on the chains a setup deployed, at <paramref name="intentsPerSecond"/> until <paramref name="count"/> were opened
    /// (null: until cancelled); <paramref name="evmRpc"/> and <paramref name="solanaRpc"/> override the setup's RPC URLs.
    /// </summary>
    public static async Task<IReadOnlyList<OpenedIntent>> TrafficAsync(
        string setupDirectory, Uri? evmRpc, Uri? solanaRpc, int intentsPerSecond, long? count, bool transfersOnly, ulong seed, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var chain = ReadChains(setupDirectory);
        await using var devnet = LocalDevnet.Connect(
            evmRpc ?? chain.EvmRpcUrl, EvmAddress.Parse(chain.Escrow), EvmAddress.Parse(chain.Token), chain.StartBlock,
            solanaRpc ?? chain.SolanaRpcUrl, chain.SolanaProgramId, Base58.DecodeKey(chain.SolanaMint), time);
        var traffic = await ClusterChainSetup.TrafficAsync(devnet, transfersOnly, intentsPerSecond, seed, time, cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"cluster traffic: opening {intentsPerSecond} intents/s, EVM to Solana and back, on escrow {chain.Escrow} and program {chain.SolanaProgramId}{(count is { } n ? $", {n} in all" : " until stopped")}"));
        await traffic.RunAsync(count, cancellationToken).ConfigureAwait(false);
        var opened = traffic.Opened;
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"cluster traffic: opened {opened.Count} intents ({opened.Count(o => o.Origin == EvmDevChain.Chain)} on EVM, {opened.Count(o => o.Origin == SolanaDevChain.Chain)} on Solana)"));
        return opened;
    }
}
