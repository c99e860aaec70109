using System.Collections;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

public sealed class NodeOptionsLoaderTests : IDisposable
{
    private readonly NodeConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private LoadedNodeConfiguration Load(IDictionary? environment = null) => NodeOptionsLoader.Load(_fixture.Write(), environment ?? new Hashtable());

    private IReadOnlyList<string> Failures(IDictionary? environment = null) =>
        Assert.Throws<NodeConfigurationException>(() => Load(environment)).Failures;

    [Fact]
    public void Load_CompleteConfig_BindsEverySectionAndMapsTheAdapters()
    {
        var loaded = Load();

        var options = loaded.Options;
        Assert.Equal("node-a", options.Node.NodeId);
        Assert.Equal(Path.Combine(_fixture.Directory, "data"), options.Node.DataDirectory);
        Assert.Equal([ChainKind.Evm, ChainKind.Solana], loaded.Chains.Select(c => c.Kind));
        var evm = loaded.Chains[0].Evm!;
        Assert.Equal(11155111ul, evm.ChainId);
        Assert.Equal(12, evm.ConfirmationDepth);
        Assert.Equal(Path.Combine(_fixture.Directory, "data", "checkpoints", "sepolia.json"), evm.CheckpointPath);
        var solana = loaded.Chains[1].Solana!;
        Assert.Equal(900001ul, solana.ChainId);
        Assert.Equal(Commitment.Finalized, solana.Commitment);
        Assert.Equal(Path.Combine(_fixture.Directory, "evm.key"), options.Chains[0].Keys.Submitter!.File);
        Assert.Equal("1000000000000000000", options.Assets[0].ReferencePrice.ToString());
        Assert.Equal(PriceFeedKind.Static, options.PriceFeed.Kind);
        Assert.Equal(TimeSpan.FromSeconds(12), options.Epochs.MaxDuration);
        Assert.Equal((5u, 10u, 600ul), (options.Clearing.FeeBps, options.Clearing.SpreadBps, options.Clearing.SettlementMarginSeconds));
        Assert.Equal(5000u, options.Margin.PoolShareBps);
        Assert.Equal("dx:", loaded.Configuration["Store:KeyPrefix"]);
    }

    [Fact]
    public void Load_MisspeltTopLevelSection_NamesTheUnknownKey()
    {
        _fixture.Config["Chians"] = new JsonArray();

        Assert.Contains(Failures(), f => f.Contains("unknown key 'Chians'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_MisspeltBusKey_NamesItInsteadOfRunningInMemory()
    {
        _fixture.Config["Bus"] = new JsonObject { ["RabbitMqUrl"] = "amqp://127.0.0.1:5672/" };

        Assert.Contains(Failures(), f => f.Contains("unknown key 'RabbitMqUrl' at 'Bus:RabbitMqUrl'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("RabbitMq", "http://broker", "Bus:RabbitMq must be an amqp://")]
    [InlineData("PrefetchCount", "0", "Bus:PrefetchCount must be between 1 and 10000")]
    [InlineData("ConcurrencyLimit", "many", "Bus:ConcurrencyLimit")]
    public void Load_BadBusValue_NamesTheKey(string key, string value, string expected)
    {
        _fixture.Config["Bus"] = new JsonObject { [key] = value };

        Assert.Contains(Failures(), f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("KeyPrefix", "dx prefix", "Store:KeyPrefix may hold only")]
    [InlineData("OperationTimeoutMilliseconds", "5", "Store:OperationTimeoutMilliseconds: 5 is outside 100..600000")]
    [InlineData("ConnectionString", "127.0.0.1:6379,abortConnect=maybe", "Store:ConnectionString is not a valid")]
    [InlineData("KeyPrefx", "dx:", "unknown key 'KeyPrefx' at 'Store:KeyPrefx'")]
    public void Load_BadStoreValue_NamesTheKey(string key, string value, string expected)
    {
        _fixture.Config["Store"] = new JsonObject { [key] = value };

        Assert.Contains(Failures(), f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("https://127.0.0.1:8443")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.1:8080/api")]
    [InlineData("127.0.0.1:8080")]
    public void Load_ApiUrlNotHttpHostPort_NamesApiUrls(string url)
    {
        _fixture.Config["Api"] = new JsonObject { ["Urls"] = $"http://127.0.0.1:0;{url}" };

        Assert.Contains(Failures(), f => f.StartsWith($"Api:Urls: '{url}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ApiUnknownKeyOrDisabled_UnknownNamedDisabledAccepted()
    {
        _fixture.Config["Api"] = new JsonObject { ["Url"] = "http://127.0.0.1:1" };
        Assert.Contains(Failures(), f => f.Contains("unknown key 'Url' at 'Api:Url'", StringComparison.Ordinal));

        _fixture.Config["Api"] = new JsonObject { ["Enabled"] = false, ["Urls"] = "" };
        Assert.False(Load().Options.Api.Enabled);
    }

    [Fact]
    public void Load_SettlementAndLoopTimings_MappedIntoTheEpochLoopOptions()
    {
        var defaults = EpochLoopConfiguration.From(Load());
        Assert.Equal((TimeSpan.FromMinutes(10), 4, TimeSpan.FromSeconds(1)), (defaults.ChunkDeadline, defaults.ChunkRetries, defaults.ChunkRetryDelay));
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(250)), (defaults.LeaseTimeToLive, defaults.PollInterval));

        _fixture.Config["Settlement"] = new JsonObject { ["ChunkDeadline"] = "00:15:00", ["ChunkRetries"] = 6, ["ChunkRetryDelay"] = "00:00:02" };
        _fixture.Config["Node"]!["LeaseTimeToLive"] = "00:00:30";
        _fixture.Config["Node"]!["PollInterval"] = "00:00:00.500";
        var options = EpochLoopConfiguration.From(Load());

        Assert.Equal((TimeSpan.FromMinutes(15), 6, TimeSpan.FromSeconds(2)), (options.ChunkDeadline, options.ChunkRetries, options.ChunkRetryDelay));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(500)), (options.LeaseTimeToLive, options.PollInterval));
    }

    [Fact]
    public void Load_SettlementOutOfRangeOrMisspelt_NamesTheKey()
    {
        _fixture.Config["Settlement"] = new JsonObject { ["ChunkRetryDelai"] = "00:00:01" };
        Assert.Contains(Failures(), f => f.Contains("unknown key 'ChunkRetryDelai' at 'Settlement:ChunkRetryDelai'", StringComparison.Ordinal));

        _fixture.Config["Settlement"] = new JsonObject { ["ChunkDeadline"] = "00:00:00", ["ChunkRetries"] = -1 };
        _fixture.Config["Node"]!["PollInterval"] = "00:00:00";
        var failures = Failures();

        Assert.Contains(failures, f => f.StartsWith("Settlement:ChunkDeadline: ", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Settlement:ChunkRetries: ", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Node:PollInterval: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ChainWithoutChainId_NamesTheKeyPath()
    {
        _fixture.Chain(1).Remove("ChainId");

        Assert.Contains("Chains:1:ChainId: required (a positive integer)", Failures());
    }

    [Fact]
    public void Load_EpochDurationOutOfRange_NamesTheKeyPath()
    {
        _fixture.Config["Epochs"]!["MaxDuration"] = "2.00:00:00";

        Assert.Contains(Failures(), f => f.StartsWith("Epochs:MaxDuration: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_EpochMinAboveMaxAdaptive_ReportsTheAggregatorsRule()
    {
        _fixture.Config["Epochs"] = new JsonObject { ["Adaptive"] = true, ["MinDuration"] = "00:00:30", ["MaxDuration"] = "00:00:10" };

        Assert.Contains(Failures(), f => f.StartsWith("Epochs:MinDuration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Kind", "Evmm", "Chains:0:Kind: 'Evmm' is not one of Evm, Solana.")]
    [InlineData("Kind", "1", "Chains:0:Kind: '1' is not one of Evm, Solana.")]
    [InlineData("ChainId", "-5", "Chains:0:ChainId: '-5' is not a valid UInt64.")]
    [InlineData("Name", "Not Valid", "Chains:0:Name: must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")]
    public void Load_BadChainValue_NamesTheKeyAndTheValue(string key, string value, string expected)
    {
        _fixture.Chain(0)[key] = value;

        Assert.Contains(expected, Failures());
    }

    [Fact]
    public void Load_ChainWithoutKind_IsRequiredNotGuessed()
    {
        _fixture.Chain(0).Remove("Kind");

        Assert.Contains("Chains:0:Kind: required", Failures());
    }

    [Fact]
    public void Load_MisspeltAdapterKey_NamesItUnderTheChain()
    {
        var adapter = _fixture.Chain(0)["Adapter"]!.AsObject();
        adapter["Rcp"] = adapter["Rpc"]!.DeepClone();

        Assert.Contains(Failures(), f => f.StartsWith("Chains:0:Adapter: unknown key 'Rcp'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadEscrowAddress_ReportsTheEvmAdaptersMessageAtTheKeyPath()
    {
        _fixture.Chain(0)["Adapter"]!["EscrowAddress"] = "0x1234";

        Assert.Contains(Failures(), f => f.StartsWith("Chains:0:Adapter:EscrowAddress: '0x1234'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_BadProgramIdAndProcessedCommitment_ReportsTheSolanaAdaptersMessagesAtTheKeyPath()
    {
        _fixture.Chain(1)["Adapter"]!["ProgramId"] = "not-base58!";
        _fixture.Chain(1)["Adapter"]!["Commitment"] = "Processed";

        var failures = Failures();

        Assert.Contains(failures, f => f.StartsWith("Chains:1:Adapter:ProgramId: 'not-base58!'", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Chains:1:Adapter:Commitment: must be Confirmed or Finalized", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ChainIdRepeatedInAdapter_AsksForOnePlace()
    {
        _fixture.Chain(0)["Adapter"]!["ChainId"] = 1;

        Assert.Contains("Chains:0:Adapter:ChainId: set the chain id once, at Chains:0:ChainId.", Failures());
    }

    [Fact]
    public void Load_MissingAdapterSection_NamesIt()
    {
        _fixture.Chain(1).Remove("Adapter");

        Assert.Contains(Failures(), f => f.StartsWith("Chains:1:Adapter: required", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_InlineSecret_IsAnUnknownKey()
    {
        _fixture.Chain(0)["Keys"]!["Submitter"] = new JsonObject { ["PrivateKey"] = "0x" + new string('2', 64) };

        var failures = Failures();

        Assert.Contains(failures, f => f.StartsWith("Chains:0:Keys:Submitter: unknown key 'PrivateKey'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_KeyFromUnsetEnvironmentVariable_NamesTheVariable()
    {
        _fixture.Chain(0)["Keys"]!["Submitter"] = new JsonObject { ["EnvironmentVariable"] = "SEPOLIA_RELAYER_KEY" };

        Assert.Contains("Chains:0:Keys:Submitter:EnvironmentVariable: 'SEPOLIA_RELAYER_KEY' is not set.", Failures());
    }

    [Fact]
    public void Load_KeyFromSetEnvironmentVariable_Validates()
    {
        _fixture.Chain(0)["Keys"]!["Submitter"] = new JsonObject { ["EnvironmentVariable"] = "SEPOLIA_RELAYER_KEY" };

        var loaded = Load(new Hashtable { ["SEPOLIA_RELAYER_KEY"] = "0x" + new string('3', 64) });

        Assert.Equal("SEPOLIA_RELAYER_KEY", loaded.Options.Chains[0].Keys.Submitter!.EnvironmentVariable);
    }

    [Fact]
    public void Load_MissingKeyFileAndBothSources_NamesEach()
    {
        _fixture.Chain(0)["Keys"]!["Attestors"] = new JsonArray(
            new JsonObject { ["File"] = "nope.key" },
            new JsonObject { ["File"] = "evm.key", ["EnvironmentVariable"] = "X" });

        var failures = Failures();

        Assert.Contains(failures, f => f.StartsWith("Chains:0:Keys:Attestors:0:File: '", StringComparison.Ordinal) && f.EndsWith("nope.key' does not exist.", StringComparison.Ordinal));
        Assert.Contains("Chains:0:Keys:Attestors:1: give exactly one of File or EnvironmentVariable.", failures);
    }

    [Fact]
    public void Load_EnvironmentOverride_ReplacesTheFilesValue()
    {
        var loaded = Load(new Hashtable { ["DISCRETEEXEC__Node__NodeId"] = "node-b", ["DISCRETEEXEC__Chains__0__Adapter__ConfirmationDepth"] = "3" });

        Assert.Equal("node-b", loaded.Options.Node.NodeId);
        Assert.Equal(3, loaded.Chains[0].Evm!.ConfirmationDepth);
    }

    [Fact]
    public void Load_EnvironmentOverrideWithUnknownKey_IsRejectedToo()
    {
        Assert.Contains(Failures(new Hashtable { ["DISCRETEEXEC__Node__NodeID2"] = "x" }), f => f.StartsWith("Node: unknown key 'NodeID2'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_DuplicateChainNamesAndIds_NamesTheLaterOne()
    {
        _fixture.Chain(1)["Name"] = "sepolia";
        _fixture.Chain(1)["ChainId"] = 11155111;

        var failures = Failures();

        Assert.Contains("Chains:1:Name: 'sepolia' is used by an earlier chain.", failures);
        Assert.Contains("Chains:1:ChainId: 11155111 is used by an earlier chain.", failures);
    }

    [Fact]
    public void Load_AssetOnUnknownChainOrWithWrongTokenFormat_NamesTheToken()
    {
        var tokens = _fixture.Config["Assets"]![0]!["Tokens"]!;
        tokens[0]!["Chain"] = "mainnet";
        tokens[1]!["Token"] = "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238";

        var failures = Failures();

        Assert.Contains("Assets:0:Tokens:0:Chain: 'mainnet' is not the name of a configured chain.", failures);
        Assert.Contains("Assets:0:Tokens:1:Token: '0x1c7d4b196cb0c7b01d743fbc6116a902379c7238' is not a base58 32-byte mint address.", failures);
    }

    [Fact]
    public void Load_StaticFeedWithoutPrice_AsksForTheReferencePrice()
    {
        _fixture.Config["Assets"]![0]!.AsObject().Remove("ReferencePrice");

        Assert.Contains(Failures(), f => f.StartsWith("Assets:0:ReferencePrice: required by the Static price feed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"Kind\": \"Http\"}", "PriceFeed:Http:Url: required (an absolute http or https URL).")]
    [InlineData("{\"Kind\": \"Oracle\"}", "PriceFeed:Kind: 'Oracle' is not one of Static, RandomWalk, Http.")]
    [InlineData("{}", "PriceFeed:Kind: required")]
    [InlineData("{\"Kind\": \"RandomWalk\", \"RandomWalk\": {\"StepBps\": 0}}", "PriceFeed:RandomWalk:StepBps: 0 is outside 1..5000")]
    public void Load_BadPriceFeed_NamesTheKey(string feed, string expected)
    {
        _fixture.Config["PriceFeed"] = JsonNode.Parse(feed);

        Assert.Contains(expected, Failures());
    }

    [Fact]
    public void Load_ClearingAndMarginOutOfRange_NamesTheKeys()
    {
        _fixture.Config["Clearing"]!["FeeBps"] = 10_001;
        _fixture.Config["Margin"]!["PoolShareBps"] = 0;

        var failures = Failures();

        Assert.Contains("Clearing:FeeBps: 10001 is outside 0..10000", failures);
        Assert.Contains("Margin:PoolShareBps: 0 is outside 1..10000", failures);
    }

    [Fact]
    public void Load_SectionWhereAValueBelongs_NamesTheKey()
    {
        _fixture.Config["Node"]!["NodeId"] = new JsonObject { ["x"] = 1 };

        Assert.Contains("Node:NodeId: expected a single value, not a section.", Failures());
    }

    [Fact]
    public void Load_MissingFile_SaysSo()
    {
        var error = Assert.Throws<NodeConfigurationException>(() => NodeOptionsLoader.Load(Path.Combine(_fixture.Directory, "missing.json"), new Hashtable()));

        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidJson_SaysSo()
    {
        var path = Path.Combine(_fixture.Directory, "broken.json");
        File.WriteAllText(path, "{ \"Node\": ");

        var error = Assert.Throws<NodeConfigurationException>(() => NodeOptionsLoader.Load(path, new Hashtable()));

        Assert.StartsWith("not valid JSON", Assert.Single(error.Failures), StringComparison.Ordinal);
    }
}
