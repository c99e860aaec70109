using System.Text.Json.Nodes;
using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Tests.Node;
using DiscreteExec.Relayer.Tests.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Cli;

public sealed class RunCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Directory => _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Run_MissingConfigFile_ExitsBadInputNamingTheFile()
    {
        var missing = Path.Combine(Directory, "missing.json");

        var result = await CliRunner.RunAsync("run", "--config", missing);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains($"the configuration file '{missing}' does not exist.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConfigWithUnknownKey_ExitsBadInputNamingTheKey()
    {
        var path = Path.Combine(Directory, "node.json");
        await File.WriteAllTextAsync(path, """{ "Node": { "NodeId": "a", "DataDirectory": "d" }, "Chians": [] }""");

        var result = await CliRunner.RunAsync("run", "--config", path);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("unknown key 'Chians'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_RpcAnswersForAnotherChainId_ExitsBadInputNamingTheChainAndBothIds()
    {
        // Regression: the start-up failures were read after RunAsync had disposed the host (ObjectDisposedException, exit 1).
        await using var rpc = new LocalHttpServer(body => (200, """{"jsonrpc":"2.0","id":1,"result":"0x1"}"""));
        using var fixture = new NodeConfigFixture();
        var chain = fixture.Chain(0);
        chain["Adapter"]!["Rpc"] = new JsonObject { ["Url"] = rpc.Url.ToString() };
        fixture.Config["Chains"] = new JsonArray(chain.DeepClone());
        fixture.Config["Assets"]![0]!["Tokens"]!.AsArray().RemoveAt(1);
        fixture.Config["Api"] = new JsonObject { ["Enabled"] = false };

        var result = await CliRunner.RunAsync("run", "--config", fixture.Write());

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("reports chain id 1,", result.Error, StringComparison.Ordinal);
        Assert.Contains("ChainId is 11155111", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ObjectDisposedException", result.Error + result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConfigWithMisspeltBusKey_ExitsBadInputNamingTheKey()
    {
        using var fixture = new NodeConfigFixture();
        fixture.Config["Bus"] = new JsonObject { ["RabbitMqUrl"] = "amqp://127.0.0.1:5672/" };

        var result = await CliRunner.RunAsync("run", "--config", fixture.Write());

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("unknown key 'RabbitMqUrl' at 'Bus:RabbitMqUrl'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConfigWithBadStoreValue_ExitsBadInputNamingTheKey()
    {
        using var fixture = new NodeConfigFixture();
        fixture.Config["Store"] = new JsonObject { ["KeyPrefix"] = "dx prefix" };

        var result = await CliRunner.RunAsync("run", "--config", fixture.Write());

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("Store:KeyPrefix may hold only", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ConfigMissingRequiredKeys_ListsEveryKey()
    {
        var path = Path.Combine(Directory, "node.json");
        await File.WriteAllTextAsync(path, """{ "Node": { "DataDirectory": "d" } }""");

        var result = await CliRunner.RunAsync("run", "--config", path);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("Node:NodeId: required", result.Error, StringComparison.Ordinal);
        Assert.Contains("Chains: required", result.Error, StringComparison.Ordinal);
        Assert.Contains("PriceFeed:Kind: required", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("--devnet", "--config", "node.json")]
    public async Task Run_NeitherOrBothSources_ExitsBadInput(params string[] options)
    {
        var result = await CliRunner.RunAsync(["run", .. options]);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("give exactly one of --config FILE or --devnet.", result.Error, StringComparison.Ordinal);
    }
}
