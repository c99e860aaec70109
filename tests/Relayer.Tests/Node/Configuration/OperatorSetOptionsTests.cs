using System.Collections;
using System.Text.Json.Nodes;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

public sealed class OperatorSetOptionsTests : IDisposable
{
    private static readonly string[] EvmSigners = ["0x1111111111111111111111111111111111111111", "0x2222222222222222222222222222222222222222", "0x3333333333333333333333333333333333333333"];
    private static readonly string[] SolanaSigners = ["11111111111111111111111111111111", "So11111111111111111111111111111111111111112", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"];

    private readonly NodeConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    private static JsonObject Operator(int index) => new()
    {
        ["Id"] = $"op-{(char)('a' + index)}",
        ["Signers"] = new JsonArray(
            new JsonObject { ["Chain"] = "sepolia", ["Address"] = EvmSigners[index] },
            new JsonObject { ["Chain"] = "solana-devnet", ["Address"] = SolanaSigners[index] }),
    };

    private JsonObject ThreeOperators(int threshold = 2, int ownIndex = 1)
    {
        var set = new JsonObject
        {
            ["Operators"] = new JsonArray(Operator(0), Operator(1), Operator(2)),
            ["OwnIndex"] = ownIndex,
            ["Threshold"] = threshold,
            ["ProposalTimeout"] = "00:00:05",
            ["PriceToleranceBps"] = 25,
        };
        _fixture.Config["OperatorSet"] = set;
        _fixture.Config["Bus"] = new JsonObject { ["RabbitMq"] = "amqp://guest:guest@127.0.0.1:5672/" };
        return set;
    }

    private LoadedNodeConfiguration Load() => NodeOptionsLoader.Load(_fixture.Write(), new Hashtable());

    private IReadOnlyList<string> Failures() => Assert.Throws<NodeConfigurationException>(Load).Failures;

    [Fact]
    public void Load_NoOperatorSet_IsTheNodeAloneWithThresholdOne()
    {
        var set = Load().Options.OperatorSet;

        Assert.False(set.IsShared);
        Assert.Equal((1, 1, 0), (set.Count, set.Threshold, set.OwnIndex));
    }

    [Fact]
    public void Load_ThreeOperatorsWithoutRabbitMq_RefusedNamingBusRabbitMq()
    {
        ThreeOperators();
        _fixture.Config.Remove("Bus");

        var failure = Assert.Single(Failures());

        Assert.StartsWith("Bus:RabbitMq: required with 3 operators", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ThreeOperatorsTwoOfThreeOnAnEvmChain_BindsEveryKey()
    {
        var operators = ThreeOperators()["Operators"]!.AsArray();
        EvmOnly(operators);

        var set = Load().Options.OperatorSet;

        Assert.True(set.IsShared);
        Assert.Equal((3, 2, 1), (set.Count, set.Threshold, set.OwnIndex));
        Assert.Equal(TimeSpan.FromSeconds(5), set.ProposalTimeout);
        Assert.Equal(25u, set.PriceToleranceBps);
        Assert.Equal(["op-a", "op-b", "op-c"], set.Operators.Select(o => o.Id));
        Assert.Equal(EvmSigners[2], set.Operators[2].Signers.Single(s => s.Chain == "sepolia").Address);
    }

    [Fact]
    public void Load_ThreeOperatorsWithASolanaChain_LoadsWithTheDefaultCoSignTimeout()
    {
        ThreeOperators();

        var set = Load().Options.OperatorSet;

        Assert.True(set.IsShared);
        Assert.Equal(TimeSpan.FromSeconds(5), set.CoSignTimeout);
        Assert.All(set.Operators, o => Assert.Equal(2, o.Signers.Count));
    }

    [Fact]
    public void Load_CoSignTimeoutNearTheBlockhashLifetime_RefusedNamingTheKey()
    {
        ThreeOperators()["CoSignTimeout"] = "00:00:30";

        var failure = Assert.Single(Failures());

        Assert.StartsWith("OperatorSet:CoSignTimeout", failure, StringComparison.Ordinal);
    }

    // Drops the Solana chain, its asset token and the operators' Solana signers.
    private void EvmOnly(JsonArray operators)
    {
        _fixture.Config["Chains"]!.AsArray().RemoveAt(1);
        _fixture.Config["Assets"]![0]!["Tokens"]!.AsArray().RemoveAt(1);
        foreach (var member in operators)
        {
            member!["Signers"]!.AsArray().RemoveAt(1);
        }
    }

    [Theory]
    [InlineData(1, "OperatorSet:Threshold: 1 of 3 is not more than half")]
    [InlineData(4, "OperatorSet:Threshold: 4 is more than the 3 operators")]
    public void Load_ThresholdNotAMajorityOrAboveN_NamesThreshold(int threshold, string expected)
    {
        ThreeOperators(threshold);

        Assert.Contains(Failures(), f => f.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_OwnIndexOutsideTheList_NamesOwnIndex()
    {
        ThreeOperators(ownIndex: 3);

        Assert.Contains(Failures(), f => f.StartsWith("OperatorSet:OwnIndex: 3 is not an index of the 3 operators", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_OperatorWithoutASignerOnAChainOrWithABadAddress_NamesTheOperatorAndChain()
    {
        var set = ThreeOperators();
        set["Operators"]![0]!["Signers"]!.AsArray().RemoveAt(1);
        set["Operators"]![1]!["Signers"]![0]!["Address"] = "0x12";
        set["Operators"]![2]!["Signers"]![1]!["Chain"] = "mainnet";

        var failures = Failures();

        Assert.Contains("OperatorSet:Operators:0:Signers: operator 'op-a' has no signer on chain 'solana-devnet'.", failures);
        Assert.Contains(failures, f => f.StartsWith("OperatorSet:Operators:1:Signers:0:Address: '0x12' is not a 0x-prefixed 20-byte address", StringComparison.Ordinal));
        Assert.Contains("OperatorSet:Operators:2:Signers:1:Chain: 'mainnet' is not the name of a configured chain.", failures);
    }

    [Fact]
    public void Load_TwoOperatorsSharingAnIdOrASigner_NamesTheLaterOne()
    {
        var set = ThreeOperators();
        set["Operators"]![2]!["Id"] = "op-a";
        set["Operators"]![2]!["Signers"]![0]!["Address"] = EvmSigners[1];

        var failures = Failures();

        Assert.Contains("OperatorSet:Operators:2:Id: 'op-a' is used by an earlier operator.", failures);
        Assert.Contains(failures, f => f.StartsWith($"OperatorSet:Operators:2:Signers:0:Address: '{EvmSigners[1]}' is another operator's signer on 'sepolia'", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_SharedSetWithSeveralAttestorKeysOnAChain_AsksForTheOwnKeyOnly()
    {
        ThreeOperators();
        _fixture.Chain(0)["Keys"]!["Attestors"]!.AsArray().Add(new JsonObject { ["File"] = "evm.key" });

        Assert.Contains(Failures(), f => f.StartsWith("Chains:0:Keys:Attestors: 2 keys; with an operator set each node holds only its own operator's key", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_ThresholdWithoutOperatorsOrMisspeltKey_IsRefused()
    {
        _fixture.Config["OperatorSet"] = new JsonObject { ["Threshold"] = 2, ["Treshold"] = 2 };

        Assert.Contains(Failures(), f => f.Contains("unknown key 'Treshold' at 'OperatorSet:Treshold'", StringComparison.Ordinal));
        _fixture.Config["OperatorSet"] = new JsonObject { ["Threshold"] = 2 };
        Assert.Contains(Failures(), f => f.StartsWith("OperatorSet:Operators: required when Threshold or OwnIndex is set", StringComparison.Ordinal));
    }
}
