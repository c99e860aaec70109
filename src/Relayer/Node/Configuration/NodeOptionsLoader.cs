using System.Collections;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Configuration;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>The node's validated configuration: the options, each chain mapped to its adapter, and the raw configuration (for <c>Bus</c>/<c>Store</c>).</summary>
internal sealed record LoadedNodeConfiguration(NodeOptions Options, IReadOnlyList<ConfiguredChain> Chains, IConfigurationRoot Configuration);

/// <summary>
/// Reads node.json plus <c>DISCRETEEXEC__</c> environment overrides (<c>DISCRETEEXEC__Node__NodeId=a</c> sets
/// <c>Node:NodeId</c>), rejects unknown keys and unconvertible values, binds <see cref="NodeOptions"/> and validates it.
/// Any problem throws <see cref="NodeConfigurationException"/> listing every failure by key path.
/// </summary>
internal static class NodeOptionsLoader
{
    public const string EnvironmentPrefix = "DISCRETEEXEC__";

    /// <summary>Top-level sections that other options classes bind and validate (the bus, the store, log levels).</summary>
    public static readonly IReadOnlyList<string> SectionsBoundElsewhere = ["Bus", "Store", "Logging"];

    /// <summary>Loads <paramref name="path"/>; <paramref name="environment"/> defaults to this process's environment.</summary>
    public static LoadedNodeConfiguration Load(string path, IDictionary? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        environment ??= Environment.GetEnvironmentVariables();
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new NodeConfigurationException(path, [$"the configuration file '{fullPath}' does not exist."]);
        }

        IConfigurationRoot configuration;
        try
        {
            configuration = new ConfigurationBuilder()
                .AddJsonFile(fullPath, optional: false, reloadOnChange: false)
                .AddInMemoryCollection(Overrides(environment))
                .Build();
        }
        catch (InvalidDataException ex)
        {
            throw new NodeConfigurationException(path, [$"not valid JSON: {ex.InnerException?.Message ?? ex.Message}"]);
        }

        return FromConfiguration(configuration, path, Path.GetDirectoryName(fullPath)!, name => environment[name] as string);
    }

    /// <summary>Checks, binds and validates a built configuration; relative paths are resolved against <paramref name="baseDirectory"/>.</summary>
    public static LoadedNodeConfiguration FromConfiguration(IConfigurationRoot configuration, string source, string baseDirectory, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var failures = new List<string>();
        ConfigurationKeyChecker.Check(configuration, typeof(NodeOptions), failures, IsBoundElsewhere);
        if (failures.Count > 0)
        {
            throw new NodeConfigurationException(source, failures);
        }

        var options = configuration.Get<NodeOptions>() ?? new NodeOptions();
        ResolvePaths(options, baseDirectory);
        NodeOptionsValidator.Validate(options, environment, failures);
        options.Telemetry.TakeEnvironmentDefault(environment);
        var chains = new List<ConfiguredChain>();
        for (var index = 0; index < options.Chains.Count; index++)
        {
            if (ChainAdapterOptions.Map(configuration, index, options.Chains[index], options.Node.DataDirectory, failures) is { } chain)
            {
                chains.Add(chain);
            }
        }

        CheckBus(configuration.GetSection(BusOptions.SectionName), failures);
        if (options.OperatorSet.IsShared && configuration.GetSection(BusOptions.SectionName).Get<BusOptions>() is not { UsesRabbitMq: true })
        {
            // The operators hear each other's manifests, attestations and co-signatures only over a shared broker.
            failures.Add($"Bus:RabbitMq: required with {options.OperatorSet.Operators.Count} operators (OperatorSet:Operators); the in-memory bus reaches no other node.");
        }

        CheckStore(configuration.GetSection(StoreOptions.SectionName), failures);
        if (failures.Count > 0)
        {
            throw new NodeConfigurationException(source, failures);
        }

        return new LoadedNodeConfiguration(options, chains, configuration);
    }

    // The Bus and Store sections are bound by the bus and the store when the host starts; checked here too, so that a
    // misspelt key or a bad value is reported with the rest instead of surfacing later as a stack trace (or a misspelt
    // Bus:RabbitMq silently running the in-memory transport).
    private static void CheckBus(IConfigurationSection section, List<string> failures) =>
        CheckSection<BusOptions>(section, failures, (options, problems) => problems.AddRange(options.Problems()));

    private static void CheckStore(IConfigurationSection section, List<string> failures) =>
        CheckSection<StoreOptions>(section, failures, (options, problems) =>
        {
            AnnotationChecks.Validate(options, StoreOptions.SectionName, problems);
            if (!NodeStoreServiceCollectionExtensions.HasValidConnectionString(options))
            {
                problems.Add(NodeStoreServiceCollectionExtensions.InvalidConnectionString);
            }
        });

    // Unknown keys and unconvertible values first; only a section whose keys all bind is then validated.
    private static void CheckSection<T>(IConfigurationSection section, List<string> failures, Action<T, List<string>> validate)
        where T : new()
    {
        var keyFailures = new List<string>();
        ConfigurationKeyChecker.Check(section, typeof(T), keyFailures);
        failures.AddRange(keyFailures);
        if (keyFailures.Count == 0)
        {
            var options = new T();
            section.Bind(options);
            validate(options, failures);
        }
    }

    private static bool IsBoundElsewhere(string path)
    {
        var parts = path.Split(':');
        return (parts.Length == 1 && SectionsBoundElsewhere.Contains(parts[0], StringComparer.OrdinalIgnoreCase))
            || (parts.Length == 3 && string.Equals(parts[0], "Chains", StringComparison.OrdinalIgnoreCase)
                && string.Equals(parts[2], ChainAdapterOptions.SectionName, StringComparison.OrdinalIgnoreCase));
    }

    private static IEnumerable<KeyValuePair<string, string?>> Overrides(IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                yield return new(name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal), entry.Value as string);
            }
        }
    }

    private static void ResolvePaths(NodeOptions options, string baseDirectory)
    {
        if (!string.IsNullOrWhiteSpace(options.Node.DataDirectory))
        {
            options.Node.DataDirectory = Path.GetFullPath(options.Node.DataDirectory, baseDirectory);
        }

        foreach (var source in options.Chains.SelectMany(c => c.Keys.Attestors.Append(c.Keys.Submitter)))
        {
            if (source is { File: { Length: > 0 } file })
            {
                source.File = Path.GetFullPath(file, baseDirectory);
            }
        }
    }
}
