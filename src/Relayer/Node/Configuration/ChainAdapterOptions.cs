using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Configuration;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>One configured chain: the node's entry and its adapter's options, mapped and validated.</summary>
internal sealed record ConfiguredChain(int Index, NodeChainOptions Options, EvmChainOptions? Evm, SolanaClusterOptions? Solana)
{
    public string Name => Options.Name;

    public ChainKind Kind => Options.Kind!.Value;

    /// <summary>The RPC endpoint, whichever adapter.</summary>
    public Uri RpcUrl => (Evm?.Rpc.Url ?? Solana!.Rpc.Url)!;
}

/// <summary>
/// The one place where a chain's <c>Chains:N:Adapter</c> section becomes the adapter's options type
/// (<see cref="EvmChainOptions"/> or <see cref="SolanaClusterOptions"/>, chosen by the declared kind). The chain id is
/// the node entry's <c>ChainId</c> (the adapter section must not repeat it), and an EVM watcher's checkpoint defaults
/// to the node's data directory.
/// </summary>
internal static class ChainAdapterOptions
{
    public const string SectionName = "Adapter";

    public static string SectionPath(int index) => $"Chains:{index}:{SectionName}";

    public static Type OptionsType(ChainKind kind) => kind switch
    {
        ChainKind.Evm => typeof(EvmChainOptions),
        ChainKind.Solana => typeof(SolanaClusterOptions),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a chain kind."),
    };

    /// <summary>Binds and validates the adapter section of the chain at <paramref name="index"/>; failures name the key.</summary>
    public static ConfiguredChain? Map(IConfiguration root, int index, NodeChainOptions chain, string dataDirectory, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(failures);
        if (chain.Kind is not { } kind || !Enum.IsDefined(kind))
        {
            return null;
        }

        var path = SectionPath(index);
        var section = root.GetSection(path);
        if (!section.Exists())
        {
            failures.Add($"{path}: required (the {kind} adapter's RPC URL, escrow and finality).");
            return null;
        }

        var before = failures.Count;
        ConfigurationKeyChecker.Check(section, OptionsType(kind), failures);
        if (section[nameof(NodeChainOptions.ChainId)] is not null)
        {
            failures.Add($"{path}:ChainId: set the chain id once, at Chains:{index}:ChainId.");
        }

        if (failures.Count > before)
        {
            return null;
        }

        return kind == ChainKind.Evm
            ? MapEvm(section, index, chain, dataDirectory, failures)
            : MapSolana(section, index, chain, dataDirectory, failures);
    }

    /// <summary>
    /// What the node entry decides for its adapter: the chain id and kind, the keys (the node's <c>Keys</c> section
    /// becomes the adapter's <c>Payer</c> and <c>Signers</c>), and the watcher's checkpoint under the data directory.
    /// </summary>
    private static void Complete(ChainOptions options, NodeChainOptions chain, string dataDirectory)
    {
        options.ChainId = chain.ChainId;
        options.Kind = chain.Kind!.Value;
        if (chain.Keys.Submitter is { } submitter)
        {
            options.Payer = new ChainKeySource { File = submitter.File, EnvironmentVariable = submitter.EnvironmentVariable };
        }

        foreach (var attestor in chain.Keys.Attestors)
        {
            options.Signers.Add(new ChainKeySource { File = attestor.File, EnvironmentVariable = attestor.EnvironmentVariable });
        }

        if (string.IsNullOrWhiteSpace(options.CheckpointPath))
        {
            options.CheckpointPath = Path.Combine(dataDirectory, "checkpoints", $"{chain.Name}.json");
        }
    }

    private static ConfiguredChain MapEvm(IConfigurationSection section, int index, NodeChainOptions chain, string dataDirectory, List<string> failures)
    {
        var options = section.Get<EvmChainOptions>() ?? new EvmChainOptions();
        Complete(options, chain, dataDirectory);

        var result = new EvmChainOptionsValidator(section.Path).Validate(chain.Name, options);
        if (result.Failed)
        {
            failures.AddRange(result.Failures);
        }

        return new ConfiguredChain(index, chain, options, null);
    }

    private static ConfiguredChain MapSolana(IConfigurationSection section, int index, NodeChainOptions chain, string dataDirectory, List<string> failures)
    {
        var options = section.Get<SolanaClusterOptions>() ?? new SolanaClusterOptions();
        Complete(options, chain, dataDirectory);
        var result = new SolanaClusterOptionsValidator().Validate(chain.Name, options);
        if (result.Failed)
        {
            // The adapter names keys as under its own host section; name them where this file has them.
            var adapterPrefix = $"{SolanaClusterOptions.SectionPrefix}:{chain.Name}";
            failures.AddRange(result.Failures.Select(f => f.StartsWith(adapterPrefix, StringComparison.Ordinal) ? section.Path + f[adapterPrefix.Length..] : f));
        }

        return new ConfiguredChain(index, chain, null, options);
    }
}
