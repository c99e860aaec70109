using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Watching;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Evm.Tests.Configuration;

public class EvmAdapterServiceCollectionExtensionsTests
{
    private const string Section = "Chains:Evm:Local";

    [Fact]
    public void AddEvmChain_ValidSection_ResolvesKeyedServices()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            [$"{Section}:Rpc:Url"] = "http://127.0.0.1:8545/",
            [$"{Section}:ChainId"] = "31337",
            [$"{Section}:EscrowAddress"] = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
            [$"{Section}:ConfirmationDepth"] = "2",
        });
        Assert.IsType<EvmRpcClient>(provider.GetRequiredKeyedService<IEvmRpc>("local"));
        Assert.Same(provider.GetRequiredKeyedService<ChunkSubmitter>("local"), provider.GetRequiredKeyedService<DiscreteExec.Core.Settlement.IChunkSubmitter>("local"));
        Assert.Equal(2, provider.GetRequiredService<IOptionsMonitor<EvmChainOptions>>().Get("local").ConfirmationDepth);
    }

    [Fact]
    public void AddEvmChain_SeveralUrls_ResolvesAQuorumClientWithAMajority()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            [$"{Section}:Rpc:Url"] = "http://127.0.0.1:8545/",
            [$"{Section}:Rpc:Urls:0"] = "http://127.0.0.1:8546/",
            [$"{Section}:Rpc:Urls:1"] = "http://127.0.0.1:8547/",
            [$"{Section}:ChainId"] = "31337",
            [$"{Section}:EscrowAddress"] = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
        });
        Assert.IsType<QuorumEvmRpc>(provider.GetRequiredKeyedService<IEvmRpc>("local"));
        var rpc = provider.GetRequiredService<IOptionsMonitor<EvmChainOptions>>().Get("local").Rpc;
        Assert.Equal((3, 2), (rpc.Endpoints.Count, rpc.EffectiveQuorum));
    }

    [Fact]
    public void AddEvmChain_BadSection_FailsNamingTheFullKey()
    {
        using var provider = Build(new Dictionary<string, string?>
        {
            [$"{Section}:Rpc:Url"] = "http://127.0.0.1:8545/",
            [$"{Section}:ChainId"] = "31337",
            [$"{Section}:EscrowAddress"] = "0x1234",
            [$"{Section}:PollInterval"] = "00:00:00",
        });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptionsMonitor<EvmChainOptions>>().Get("local"));
        Assert.Contains(error.Failures, f => f.StartsWith($"{Section}:EscrowAddress:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith($"{Section}:PollInterval:", StringComparison.Ordinal));
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddEvmChain("local", Section);
        services.AddEvmLocalKeys("local", "0x" + new string('1', 64), ["0x" + new string('2', 64), "0x" + new string('3', 64)]);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
