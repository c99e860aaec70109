using DiscreteExec.Relayer.Node.Configuration;
using YamlDotNet.RepresentationModel;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// docker-compose.yml cannot run here (no Docker engine): its structure is checked against the node's own options
/// instead. Every node service mounts a deploy/ directory whose node.json loads, and whose broker, store and chain
/// hosts are services it starts after.
/// </summary>
public sealed class ComposeFileTests
{
    private static readonly string Root = RepositoryRoot();
    private static readonly YamlMappingNode Services = LoadServices();

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
    public void NodeServices_MountConfigsThatLoad_AndStartAfterTheirBrokerStoreAndChain()
    {
        var nodes = Each().Where(s => s.Service.Children.ContainsKey("build")).ToList();
        Assert.Equal(4, nodes.Count); // three operators and operator 0's standby
        var ownStores = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, service) in nodes)
        {
            var mount = Assert.Single(Sequence(service, "volumes"), v => v.EndsWith(":/config:ro", StringComparison.Ordinal));
            var directory = Path.Combine(Root, mount.Split(':')[0]);
            var configuration = NodeOptionsLoader.Load(Path.Combine(directory, "node.json"));
            var options = configuration.Options;
            var dependencies = ClosureOfDependsOn(name);

            var bus = new Uri(configuration.Configuration["Bus:RabbitMq"]!);
            Assert.Contains(bus.Host, dependencies);
            var store = configuration.Configuration["Store:ConnectionString"]!.Split(':')[0];
            Assert.Contains(store, dependencies);
            foreach (var chain in configuration.Chains)
            {
                var rpc = new Uri(configuration.Configuration[$"Chains:{configuration.Chains.ToList().IndexOf(chain)}:Adapter:Rpc:Url"]!);
                Assert.Contains(rpc.Host, dependencies);
            }

            Assert.Equal(new Uri(options.Api.Urls!).Port.ToString(System.Globalization.CultureInfo.InvariantCulture), Sequence(service, "ports").Single().Split(':')[1]);

            // Replicas of one operator share its store; operators never do.
            var id = options.OperatorSet.Operators[options.OperatorSet.OwnIndex].Id;
            Assert.Equal(ownStores.GetValueOrDefault(id, store), store);
            Assert.DoesNotContain(ownStores.Where(s => s.Key != id), s => s.Value == store);
            ownStores[id] = store;
        }

        Assert.Equal(3, ownStores.Count);
    }

    [Fact]
    public void NodeServices_EachHasItsOwnNodeId_SoThatReplicasDoNotTakeTheLeaseFromEachOther()
    {
        // The lease holder is the node id: two live replicas with one id would each re-take the other's lease.
        var ids = Each().Where(s => s.Service.Children.ContainsKey("build")).Select(s => EffectiveNodeId(s.Service)).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
    }

    // The node id the service runs with: its environment's override, else its mounted node.json's.
    private static string EffectiveNodeId(YamlMappingNode service)
    {
        if (service.Children.TryGetValue("environment", out var environment)
            && environment is YamlMappingNode variables
            && variables.Children.TryGetValue("DISCRETEEXEC__Node__NodeId", out var overridden))
        {
            return ((YamlScalarNode)overridden).Value!;
        }

        var mount = Sequence(service, "volumes").Single(v => v.EndsWith(":/config:ro", StringComparison.Ordinal));
        return NodeOptionsLoader.Load(Path.Combine(Root, mount.Split(':')[0], "node.json")).Options.Node.NodeId;
    }

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
