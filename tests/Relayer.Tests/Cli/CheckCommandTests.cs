using System.Globalization;
using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Devnet;
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

    [Fact]
    public async Task Check_ConfigNamingAnotherChain_ExitsBadInputNamingBothChainIds()
    {
        // A real anvil that is chain 1, where the configuration says Sepolia (11155111).
        var port = ChildProcess.FreePort();
        await using var anvil = ChildProcess.Start("anvil", DevnetPrerequisites.Locate().Anvil, ["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--chain-id", "1", "--silent"]);
        await WaitListeningAsync(port);
        using var fixture = new NodeConfigFixture();
        var rpc = fixture.Chain(0)["Adapter"]!["Rpc"]!.AsObject();
        rpc["Url"] = $"http://127.0.0.1:{port}/";

        var result = await CliRunner.RunAsync("check", "--config", fixture.Write());

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("reports chain id 1, but Chains:0:ChainId is 11155111", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Until anvil accepts connections (bounded: a minute).</summary>
    private static async Task WaitListeningAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", port, timeout.Token);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Yield();
            }
        }
    }
}
