using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Tests.Cli;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// <c>relayer cluster setup</c> and <c>cluster traffic</c> against a bare anvil and a bare Solana dev node running as
/// local processes (as the compose file's chains run): the setup deploys into them and writes three node.json files that
/// load and whose chains pass the node's own start-up probe; the traffic opens intents on the escrows it deployed; three
/// nodes started on those files (on a real RabbitMQ, each with its own Redis) settle them both ways.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClusterSetupCommandTests
{
    [Fact]
    public async Task Setup_DeploysIntoRunningChains_WritesConfigsThatLoadAndProbe_AndTrafficOpensIntentsOnThem()
    {
        var time = TimeProvider.System;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var tools = DevnetPrerequisites.Locate();
        var (anvil, evmUrl) = EvmDevChain.StartAnvil(tools);
        await using var anvilProcess = anvil;
        var (devnode, solanaUrl, programId) = await SolanaDevChain.StartNodeAsync(tools, time, cancel.Token);
        await using var devnodeProcess = devnode;
        await using var broker = await LocalRabbitMqBroker.StartAsync(cancel.Token);
        var output = Directory.CreateTempSubdirectory("cluster-setup-");
        var nodes = new List<NodeProcess>();
        var stores = new List<LocalRedisServer>();
        try
        {
            // The compose file's store names; each node below gets its own local Redis in their place.
            var setup = await CliRunner.RunAsync(
                "cluster", "setup", "--evm-rpc", evmUrl.ToString(), "--solana-rpc", solanaUrl.ToString(), "--solana-program-id", programId,
                "--broker", broker.AmqpUri.ToString(), "--store-template", "redis-{i}:6379", "--api-urls", "http://127.0.0.1:0", "--node-data-dir", "data", "--out", output.FullName);
            Assert.True(setup.ExitCode == 0, setup.Error + setup.Output);

            using var http = new HttpClient();
            for (var i = 0; i < 3; i++)
            {
                var loaded = NodeOptionsLoader.Load(Path.Combine(output.FullName, ClusterNodeConfigs.OperatorId(i), "node.json"));
                Assert.Equal(ClusterNodeConfigs.OperatorId(i), loaded.Options.Node.NodeId);
                Assert.Equal(i, loaded.Options.OperatorSet.OwnIndex);
                Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"redis-{i}:6379"), loaded.Configuration["Store:ConnectionString"]);
                Assert.Equal(Path.Combine(output.FullName, ClusterNodeConfigs.OperatorId(i), "data"), loaded.Options.Node.DataDirectory);
                Assert.Equal(2, loaded.Chains.Count);
                foreach (var chain in loaded.Chains)
                {
                    // The node's own start-up check: the RPC reports the configured chain id and the escrow is one.
                    await ChainProbe.Create(chain, http, NullLoggerFactory.Instance, time).ProbeAsync(cancel.Token);
                }
            }

            var traffic = await CliRunner.RunAsync("cluster", "traffic", "--setup", output.FullName, "--count", "2", "--rate", "50", "--seed", "7");
            Assert.True(traffic.ExitCode == 0, traffic.Error + traffic.Output);
            Assert.Contains("opened 2 intents", traffic.Output, StringComparison.Ordinal);

            // The same traffic in-process, to read back what it opened: each intent is open in its origin's escrow.
            var opened = await ClusterSetup.TrafficAsync(output.FullName, null, null, 50, 4, transfersOnly: true, seed: 8, TextWriter.Null, time, cancel.Token);
            Assert.Equal(4, opened.Count);
            var chains = ClusterSetup.ReadChains(output.FullName);
            await using var devnet = LocalDevnet.Connect(
                chains.EvmRpcUrl, EvmAddress.Parse(chains.Escrow), EvmAddress.Parse(chains.Token), chains.StartBlock,
                chains.SolanaRpcUrl, chains.SolanaProgramId, Base58.DecodeKey(chains.SolanaMint), time);
            Assert.Contains(opened, o => o.Origin == EvmDevChain.Chain);
            Assert.Contains(opened, o => o.Origin == SolanaDevChain.Chain);
            foreach (var intent in opened)
            {
                if (intent.Origin == EvmDevChain.Chain)
                {
                    Assert.Equal(1, await devnet.Evm.IntentStatusAsync(intent.IntentId, cancel.Token));
                }
                else
                {
                    Assert.Equal(EscrowIntentStatus.Open, await devnet.Solana.IntentStatusAsync(intent.IntentId, cancel.Token));
                }
            }

            // The three operators on the written configs (only the store overridden) settle them both ways.
            for (var i = 0; i < 3; i++)
            {
                stores.Add(await LocalRedisServer.StartAsync());
                nodes.Add(NodeProcess.Start(
                    Path.Combine(output.FullName, ClusterNodeConfigs.OperatorId(i), "node.json"),
                    crashAt: null,
                    new Dictionary<string, string> { ["DISCRETEEXEC__Store__ConnectionString"] = stores[i].ConnectionString }));
            }

            try
            {
                await ClusterProcessTests.WaitUntilPaidAsync(devnet, opened, nodes[0], cancel.Token);
                await ClusterProcessTests.AssertRecipientsPaidAsync(devnet, opened, cancel.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new InvalidOperationException(ex.Message + Environment.NewLine + string.Join(Environment.NewLine, nodes.Select((n, i) => $"--- operator-{i} ---{Environment.NewLine}{n.Output}")), ex);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }

            output.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Traffic_WithoutASetupDirectory_SaysWhatIsMissing()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-cluster-setup-" + Guid.NewGuid().ToString("N"));
        var result = await CliRunner.RunAsync("cluster", "traffic", "--setup", missing, "--count", "1");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("chains.json does not exist", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Setup_WithAStoreTemplateWithoutTheIndex_IsBadInput()
    {
        var result = await CliRunner.RunAsync(
            "cluster", "setup", "--evm-rpc", "http://127.0.0.1:1/", "--solana-rpc", "http://127.0.0.1:1/", "--broker", "amqp://guest:guest@127.0.0.1:5672/",
            "--store-template", "redis:6379", "--out", Path.GetTempPath());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("has no {i}", result.Error, StringComparison.Ordinal);
    }
}
