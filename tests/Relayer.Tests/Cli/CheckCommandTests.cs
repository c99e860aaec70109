using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Tests.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Cli;

/// <summary>
/// <c>relayer check</c>'s failures (its verdicts on real chains are tested after a devnet run, in
/// <c>Devnet/DevnetNodeRunnerTests</c>).
/// </summary>
public sealed class CheckCommandTests
{
    [Fact]
    public async Task Check_MissingConfigFile_ExitsBadInputNamingTheFile()
    {
        using var fixture = new NodeConfigFixture();
        var missing = Path.Combine(fixture.Directory, "missing.json");

        var result = await CliRunner.RunAsync("check", "--config", missing);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains($"the configuration file '{missing}' does not exist.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_ChainUnreachable_ExitsOneNamingTheEndpointWithNoTable()
    {
        using var fixture = new NodeConfigFixture();
        var rpc = fixture.Chain(0)["Adapter"]!["Rpc"]!.AsObject();
        rpc["Url"] = "http://127.0.0.1:1/";
        rpc["MaxRetryAttempts"] = 0;

        var result = await CliRunner.RunAsync("check", "--config", fixture.Write());

        Assert.Equal(ExitCodes.InternalError, result.ExitCode);
        Assert.StartsWith("error: check: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("chain check:", result.Output, StringComparison.Ordinal);
    }
}
