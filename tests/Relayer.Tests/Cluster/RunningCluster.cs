using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// One test's local 2-of-3 operator set: a real RabbitMQ, one Redis per operator, both devnet chains (anvil and the
/// Solana dev node) with 2-of-3 escrows, a transfers-only traffic generator both ways, and the three operators' nodes
/// as real processes (<c>relayer run --config</c>, the configs <c>relayer cluster</c> writes). Disposing stops
/// everything it started.
/// </summary>
internal sealed class RunningCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _servers = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-cluster-").FullName;

    private RunningCluster()
    {
    }

    public LocalDevnet Chains { get; private set; } = null!;

    public EvmDevChain Evm => Chains.Evm;

    /// <summary>Opens transfers only (every one must be paid), alternately EVM to Solana and back.</summary>
    public TrafficGenerator Traffic { get; private set; } = null!;

    public IReadOnlyList<LocalRedisServer> Stores { get; private set; } = [];

    public IReadOnlyList<string> Configs { get; private set; } = [];

    /// <summary>The nodes in operator order; <see cref="Restart"/> replaces one.</summary>
    public NodeProcess[] Nodes { get; private set; } = [];

    public static async Task<RunningCluster> StartAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var cluster = new RunningCluster();
        try
        {
            var broker = await LocalRabbitMqBroker.StartAsync(cancellationToken);
            cluster._servers.Add(broker);
            var stores = new List<LocalRedisServer>();
            for (var i = 0; i < EvmDevChain.SignerLabels.Count; i++)
            {
                stores.Add(await LocalRedisServer.StartAsync());
                cluster._servers.Add(stores[^1]);
            }

            cluster.Stores = stores;
            cluster.Chains = await ClusterChainSetup.StartAsync(TextWriter.Null, time, cancellationToken);
            cluster._servers.Add(cluster.Chains);
            cluster.Traffic = await ClusterChainSetup.TrafficAsync(cluster.Chains, transfersOnly: true, time, cancellationToken);
            cluster.Configs = ClusterNodeConfigs.Write(
                ClusterChainSetup.Describe(cluster.Chains, broker.AmqpUri),
                [.. stores.Select(s => new ClusterNodeSeat(s.ConnectionString, "http://127.0.0.1:0"))],
                cluster._directory);
            cluster.Nodes = [.. cluster.Configs.Select(c => NodeProcess.Start(c, crashAt: null))];
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts operator <paramref name="index"/>'s node again on its config and store (the old process must have exited).</summary>
    public void Restart(int index)
    {
        Nodes[index].Dispose();
        Nodes[index] = NodeProcess.Start(Configs[index], crashAt: null);
    }

    /// <summary><paramref name="failure"/> with the last lines of every node's output.</summary>
    public InvalidOperationException Explain(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new InvalidOperationException(
            failure.Message + Environment.NewLine + string.Join(Environment.NewLine, Nodes.Select((n, i) => $"--- operator-{i} ---{Environment.NewLine}{Tail(n.Output)}")),
            failure);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        for (var i = _servers.Count - 1; i >= 0; i--)
        {
            await _servers[i].DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private static string Tail(string output)
    {
        var lines = output.Split(Environment.NewLine);
        return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 40)));
    }
}
