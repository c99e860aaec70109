using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Evm;

/// <summary>Registers EVM chains for the relayer host; every service is keyed by the chain's name.</summary>
public static class EvmAdapterServiceCollectionExtensions
{
    /// <summary>The named HttpClient all EVM JSON-RPC clients share.</summary>
    public const string HttpClientName = "DiscreteExec.Adapters.Evm";

    /// <summary>
    /// Binds <see cref="EvmChainOptions"/> named <paramref name="name"/> to <paramref name="configSectionPath"/>
    /// (validated at start-up with messages naming the key) and registers, keyed by <paramref name="name"/>:
    /// <see cref="IEvmRpc"/>, <see cref="IWatcherCheckpointStore"/> (file), <see cref="EscrowWatcher"/>,
    /// <see cref="TransactionSender"/> and <see cref="ChunkSubmitter"/> (also as keyed <see cref="IChunkSubmitter"/>). The sender and submitter need keyed
    /// <see cref="ITransactionSigner"/> and <see cref="ILegSigner"/> registrations (see <see cref="AddEvmLocalKeys"/>).
    /// </summary>
    public static IServiceCollection AddEvmChain(this IServiceCollection services, string name, string configSectionPath)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(configSectionPath);

        services.AddOptions<EvmChainOptions>(name).BindConfiguration(configSectionPath).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EvmChainOptions>>(new NamedValidator(name, new EvmChainOptionsValidator(configSectionPath)));
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.TryAddSingleton(TimeProvider.System);

        services.AddKeyedSingleton<IEvmRpc>(name, (sp, _) => EvmChain.CreateQuorumRpc(
            Options(sp, name),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>()));
        services.AddKeyedSingleton<IWatcherCheckpointStore>(name, (sp, _) => new FileCheckpointStore(Options(sp, name).EffectiveCheckpointPath));
        services.AddKeyedSingleton(name, (sp, _) => new EscrowWatcher(
            sp.GetRequiredKeyedService<IEvmRpc>(name),
            Options(sp, name),
            sp.GetRequiredKeyedService<IWatcherCheckpointStore>(name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<EscrowWatcher>>()));
        services.AddKeyedSingleton(name, (sp, _) => new TransactionSender(
            sp.GetRequiredKeyedService<IEvmRpc>(name),
            sp.GetRequiredKeyedService<ITransactionSigner>(name),
            Options(sp, name),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TransactionSender>>()));
        services.AddKeyedSingleton(name, (sp, _) => new ChunkSubmitter(
            sp.GetRequiredKeyedService<IEvmRpc>(name),
            sp.GetRequiredKeyedService<TransactionSender>(name),
            sp.GetKeyedServices<ILegSigner>(name),
            Options(sp, name),
            sp.GetRequiredService<ILogger<ChunkSubmitter>>()));
        services.AddKeyedSingleton<IChunkSubmitter>(name, (sp, _) => sp.GetRequiredKeyedService<ChunkSubmitter>(name));
        services.AddKeyedSingleton(name, (sp, _) => new SignerSetRotation(
            sp.GetRequiredKeyedService<IEvmRpc>(name),
            sp.GetRequiredKeyedService<TransactionSender>(name),
            sp.GetKeyedServices<ILegSigner>(name),
            Options(sp, name),
            sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Registers a relayer account key and operator signer keys held in this process for chain <paramref name="name"/>.</summary>
    public static IServiceCollection AddEvmLocalKeys(this IServiceCollection services, string name, string relayerPrivateKeyHex, IEnumerable<string> signerPrivateKeysHex)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(signerPrivateKeysHex);
        services.AddKeyedSingleton<ITransactionSigner>(name, new LocalTransactionSigner(EvmKey.FromHex(relayerPrivateKeyHex)));
        foreach (var key in signerPrivateKeysHex)
        {
            services.AddKeyedSingleton<ILegSigner>(name, new LocalLegSigner(EvmKey.FromHex(key)));
        }

        return services;
    }

    private static EvmChainOptions Options(IServiceProvider sp, string name) => sp.GetRequiredService<IOptionsMonitor<EvmChainOptions>>().Get(name);

    /// <summary>Applies the validator only to the options instance of its own chain.</summary>
    private sealed class NamedValidator(string name, EvmChainOptionsValidator inner) : IValidateOptions<EvmChainOptions>
    {
        public ValidateOptionsResult Validate(string? optionsName, EvmChainOptions options) =>
            optionsName == name ? inner.Validate(optionsName, options) : ValidateOptionsResult.Skip;
    }
}
