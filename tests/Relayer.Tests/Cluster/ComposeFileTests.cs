using System.Globalization;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using YamlDotNet.RepresentationModel;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine): its structure is checked against the node's own options
/// instead. The chain-setup service's arguments are fed to the setup's own config writer (<see cref="ClusterSetup.Write"/>);
/// every node service runs one of the node.json files it writes, which must load, and whose broker, store and chain
/// hosts are services the node starts after.
/// </summary>
public sealed class ComposeFileTests
{
    private const string ChainSetupService = "chain-setup";
    private const string TrafficService = "traffic";
    private static readonly string Root = RepositoryRoot();
    private static readonly YamlMappingNode Services = LoadServices();
    private static readonly string Written = WriteSetupOutput();

    /// <summary>
    /// The images' build context (the repository root) leaves out the host's build output and dependencies (bin, obj,
    /// node_modules, the repository's history) but keeps every path a Dockerfile copies out of it: the compiled EVM
    /// contracts the node image takes from its build stage, and the dev node image's package files, server and program.
    /// </summary>
    [Fact]
    public void DockerIgnore_LeavesOutHostBuildOutput_AndKeepsWhatTheDockerfilesCopy()
    {
        var ignored = File.ReadAllLines(Path.Combine(Root, ".dockerignore"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToHashSet();
        Assert.Superset(new HashSet<string> { ".git", "**/bin", "**/obj", "**/node_modules" }, ignored);

        var fromBuildStage = File.ReadAllLines(Path.Combine(Root, "Dockerfile"))
            .Where(l => l.StartsWith("COPY --from=build /src/", StringComparison.Ordinal))
            .Select(l => l["COPY --from=build /src/".Length..].Split(' ')[0]);
        var fromContext = File.ReadAllLines(Path.Combine(Root, "programs", "solana", "Dockerfile"))
            .Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.StartsWith("COPY --", StringComparison.Ordinal))
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..^1]);
        var copied = fromBuildStage.Concat(fromContext).ToArray();
        Assert.Contains("contracts/evm/artifacts", copied);
        Assert.Contains("programs/solana/build/escrow.so", copied);
        Assert.All(copied, path => Assert.DoesNotContain(ignored, pattern => path == pattern || path.StartsWith(pattern + "/", StringComparison.Ordinal)));
    }

    /// <summary>Every service built from the repository names a Dockerfile that exists (the dev node's own, or the root one).</summary>
    [Fact]
    public void BuiltServices_NameDockerfilesThatExist()
    {
        foreach (var (name, service) in Services.Children.Select(p => (((YamlScalarNode)p.Key).Value!, (YamlMappingNode)p.Value)))
        {
            if (service.Children.TryGetValue("build", out var build))
            {
                var dockerfile = build is YamlMappingNode map && map.Children.TryGetValue("dockerfile", out var named) ? ((YamlScalarNode)named).Value! : "Dockerfile";
                Assert.True(File.Exists(Path.Combine(Root, dockerfile)), $"service {name} builds from {dockerfile}, which does not exist.");
            }
        }
    }

    [Fact]
    public void EveryService_HasAnImageOrABuild()
    {
        foreach (var (name, service) in Each())
        {
            Assert.True(service.Children.ContainsKey("image") || service.Children.ContainsKey("build"), $"service {name} has neither image nor build.");
        }
    }

    [Fact]
    public void PublishedPorts_AreUnique()
    {
        var published = Each()
            .SelectMany(s => Sequence(s.Service, "ports").Select(p => p.Split(':')[0]))
            .ToList();
        Assert.NotEmpty(published);
        Assert.Equal(published.Count, published.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void DependsOn_NamesExistingServices()
    {
        var names = Each().Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, service) in Each())
        {
            foreach (var dependency in DependsOn(service))
            {
                Assert.True(names.Contains(dependency), $"service {name} depends on '{dependency}', which is not a service.");
            }
        }
    }

    [Fact]
    public void ChainSetup_RunsOnceAfterBothChainsAreHealthy_AndWritesIntoTheVolumeTheNodesRead()
    {
        var setup = Service(ChainSetupService);
        var arguments = Sequence(setup, "command").ToList();
        Assert.Equal(["cluster", "setup"], arguments.Take(2));
        var options = SetupOptions();
        var (volume, target) = Mount(Assert.Single(Sequence(setup, "volumes")));
        Assert.Equal(options["--out"], target);
        foreach (var rpc in new[] { options["--evm-rpc"], options["--solana-rpc"] })
        {
            var host = new Uri(rpc).Host;
            Assert.Equal("service_healthy", Condition(setup, host));
            Assert.True(Service(host).Children.ContainsKey("healthcheck"), $"service {host} has no healthcheck, so {ChainSetupService} cannot wait for it.");
        }

        foreach (var (name, service) in NodeServices().Append((TrafficService, Service(TrafficService))))
        {
            Assert.Equal("service_completed_successfully", Condition(service, ChainSetupService));
            Assert.Contains(Sequence(service, "volumes"), v => v == $"{volume}:{target}:ro");
        }
    }

    [Fact]
    public void NodeServices_RunTheConfigsTheSetupWrites_AndStartAfterTheirBrokerStoreAndChains()
    {
        var nodes = NodeServices().ToList();
        Assert.Equal(4, nodes.Count); // three operators and operator 0's standby
        var ownStores = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, service) in nodes)
        {
            var configuration = NodeOptionsLoader.Load(WrittenConfig(service));
            var options = configuration.Options;
            var dependencies = ClosureOfDependsOn(name);

            var bus = new Uri(configuration.Configuration["Bus:RabbitMq"]!);
            Assert.Contains(bus.Host, dependencies);
            var store = configuration.Configuration["Store:ConnectionString"]!.Split(':')[0];
            Assert.Contains(store, dependencies);
            Assert.Equal(2, configuration.Chains.Count); // anvil and the Solana dev node
            foreach (var chain in configuration.Chains)
            {
                Assert.Contains(chain.RpcUrl.Host, dependencies);
            }

            Assert.Equal(new Uri(options.Api.Urls!).Port.ToString(CultureInfo.InvariantCulture), Sequence(service, "ports").Single().Split(':')[1]);

            // Replicas of one operator share its store; operators never do.
            var id = options.OperatorSet.Operators[options.OperatorSet.OwnIndex].Id;
            Assert.Equal(ownStores.GetValueOrDefault(id, store), store);
            Assert.DoesNotContain(ownStores.Where(s => s.Key != id), s => s.Value == store);
            ownStores[id] = store;
        }

        Assert.Equal(3, ownStores.Count);
    }

    [Fact]
    public void Traffic_ReadsTheSetupDirectory()
    {
        var arguments = Sequence(Service(TrafficService), "command").ToList();
        Assert.Equal(["cluster", "traffic"], arguments.Take(2));
        Assert.Equal(SetupOptions()["--out"], arguments[arguments.IndexOf("--setup") + 1]);
    }

    [Fact]
    public void NodeServices_EachHasItsOwnNodeId_SoThatReplicasDoNotTakeTheLeaseFromEachOther()
    {
        // The lease holder is the node id: two live replicas with one id would each re-take the other's lease.
        var ids = NodeServices().Select(s => EffectiveNodeId(s.Service)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    // The node id the service runs with: its environment's override, else the node.json the setup writes for it.
    private static string EffectiveNodeId(YamlMappingNode service)
    {
        if (service.Children.TryGetValue("environment", out var environment)
            && environment is YamlMappingNode variables
            && variables.Children.TryGetValue("DISCRETEEXEC__Node__NodeId", out var overridden))
        {
            return ((YamlScalarNode)overridden).Value!;
        }

        return NodeOptionsLoader.Load(WrittenConfig(service)).Options.Node.NodeId;
    }

    /// <summary>The node services: those that run <c>relayer run --config</c>.</summary>
    private static IEnumerable<(string Name, YamlMappingNode Service)> NodeServices() =>
        Each().Where(s => Sequence(s.Service, "command").FirstOrDefault() == "run");

    /// <summary>
    /// Where the service's <c>--config</c> lands in <see cref="Written"/>: what chain-setup writes into the shared volume,
    /// produced by the setup's own writer from the chain-setup service's arguments.
    /// </summary>
    private static string WrittenConfig(YamlMappingNode service)
    {
        var arguments = Sequence(service, "command").ToList();
        var config = arguments[arguments.IndexOf("--config") + 1];
        var setupDirectory = SetupOptions()["--out"];
        Assert.StartsWith(setupDirectory + "/", config, StringComparison.Ordinal);
        return Path.Combine(Written, config[(setupDirectory.Length + 1)..]);
    }

    private static string WriteSetupOutput()
    {
        var options = SetupOptions();
        // Beside the test binaries, overwritten by each run.
        var directory = Path.Combine(AppContext.BaseDirectory, "compose-setup");

        // The deployed addresses are the only part the setup learns from the chains; any valid ones stand in for them.
        var chain = new ClusterChain(
            new Uri(options["--evm-rpc"]), "0x5fbdb2315678afecb367f032d93f642f64180aa3", 3, "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
            new Uri(options["--solana-rpc"]), SolanaDevChain.DefaultProgramId, Base58.EncodeKey(new Bytes32(Enumerable.Repeat((byte)7, 32).ToArray())), new Uri(options["--broker"]));
        ClusterSetup.Write(chain, ClusterSetup.Seats(options["--store-template"], options["--api-urls"], options["--node-data-dir"]), directory);
        return directory;
    }

    /// <summary>The chain-setup service's <c>--name value</c> pairs.</summary>
    private static Dictionary<string, string> SetupOptions()
    {
        var arguments = Sequence(Service(ChainSetupService), "command").Skip(2).ToList();
        Assert.True(arguments.Count % 2 == 0, $"{ChainSetupService}'s options are not --name value pairs: {string.Join(' ', arguments)}");
        return arguments.Chunk(2).ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
    }

    private static (string Volume, string Target) Mount(string volume)
    {
        var parts = volume.Split(':');
        return (parts[0], parts[1]);
    }

    private static string? Condition(YamlMappingNode service, string dependency) =>
        service.Children.TryGetValue("depends_on", out var node) && node is YamlMappingNode map
        && map.Children.TryGetValue(dependency, out var entry) && entry is YamlMappingNode conditions
        && conditions.Children.TryGetValue("condition", out var condition)
            ? ((YamlScalarNode)condition).Value
            : null;

    private static YamlMappingNode Service(string name) => (YamlMappingNode)Services.Children[name];

    private static HashSet<string> ClosureOfDependsOn(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([name]);
        while (pending.TryPop(out var next))
        {
            foreach (var dependency in DependsOn((YamlMappingNode)Services.Children[next]))
            {
                if (seen.Add(dependency))
                {
                    pending.Push(dependency);
                }
            }
        }

        return seen;
    }

    private static IEnumerable<(string Name, YamlMappingNode Service)> Each() =>
        Services.Children.Select(c => (((YamlScalarNode)c.Key).Value!, (YamlMappingNode)c.Value));

    private static IEnumerable<string> DependsOn(YamlMappingNode service) =>
        service.Children.TryGetValue("depends_on", out var node)
            ? node is YamlMappingNode map ? map.Children.Keys.Select(k => ((YamlScalarNode)k).Value!) : ((YamlSequenceNode)node).Select(n => ((YamlScalarNode)n).Value!)
            : [];

    private static IEnumerable<string> Sequence(YamlMappingNode service, string key) =>
        service.Children.TryGetValue(key, out var node) ? ((YamlSequenceNode)node).Select(n => ((YamlScalarNode)n).Value!) : [];

    private static YamlMappingNode LoadServices()
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(Root, "docker-compose.yml")))
        {
            stream.Load(reader);
        }

        return (YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode).Children["services"];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "DiscreteExec.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No DiscreteExec.sln above the test binaries.");
    }
}
