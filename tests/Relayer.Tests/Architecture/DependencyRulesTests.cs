using System.Xml.Linq;

namespace DiscreteExec.Relayer.Tests.Architecture;

/// <summary>The dependency rules of docs/ARCHITECTURE.md, read from the project files themselves.</summary>
public class DependencyRulesTests
{
    private static readonly string[] HostOnlyPackages = ["MassTransit", "RabbitMQ", "StackExchange.Redis"];

    [Fact]
    public void Core_ReferencesNoProject() => Assert.Empty(ProjectReferences("Core"));

    [Theory]
    [InlineData("Aggregator")]
    [InlineData("Chains")]
    public void LibraryProjects_ReferenceOnlyCore(string project) => Assert.Equal(["Core"], ProjectReferences(project));

    [Theory]
    [InlineData("Adapters.Evm")]
    [InlineData("Adapters.Solana")]
    public void Adapters_ReferenceOnlyCoreAndChains(string project) => Assert.Equal(["Chains", "Core"], ProjectReferences(project));

    [Theory]
    [InlineData("Core")]
    [InlineData("Aggregator")]
    [InlineData("Chains")]
    [InlineData("Adapters.Evm")]
    [InlineData("Adapters.Solana")]
    public void OnlyTheRelayer_ReferencesBusAndRedisPackages(string project)
    {
        var offending = PackageReferences(project).Where(p => HostOnlyPackages.Any(h => p.StartsWith(h, StringComparison.OrdinalIgnoreCase)));
        Assert.Empty(offending);
    }

    [Fact]
    public void EverySourceProject_IsCoveredByTheseRules()
    {
        var projects = Directory.GetDirectories(Path.Combine(RepositoryRoot(), "src")).Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(["Adapters.Evm", "Adapters.Solana", "Aggregator", "Chains", "Core", "Relayer"], projects);
    }

    private static string[] ProjectReferences(string project) =>
        [.. Load(project).Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
            .Order(StringComparer.Ordinal)];

    private static string[] PackageReferences(string project) =>
        [.. Load(project).Descendants("PackageReference").Select(e => e.Attribute("Include")!.Value)];

    private static XDocument Load(string project) => XDocument.Load(Path.Combine(RepositoryRoot(), "src", project, project + ".csproj"));

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "DiscreteExec.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("DiscreteExec.sln not found above the test directory.");
    }
}
