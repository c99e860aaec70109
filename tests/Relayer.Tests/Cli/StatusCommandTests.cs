using System.Net;
using System.Net.Sockets;
using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Tests.Node;
using DiscreteExec.Relayer.Tests.Node.Api;

namespace DiscreteExec.Relayer.Tests.Cli;

[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class StatusCommandTests(ApiNodeFixture node)
{
    [Fact]
    public async Task Status_RunningNode_HealthCurrentEpochLastEpochsAndPools()
    {
        var url = node.Client.BaseAddress!.ToString().TrimEnd('/');

        var result = await CliRunner.RunAsync("status", "--node", url, "--epochs", "2");

        Assert.Equal((ExitCodes.Success, string.Empty), (result.ExitCode, result.Error));
        var lines = result.Output.Split('\n');
        Assert.StartsWith($"node      {url}/  live, ready", lines[0], StringComparison.Ordinal);
        Assert.Contains(lines, l => l.StartsWith("epoch     2 margined, opened ", StringComparison.Ordinal) && l.Contains(" intents open", StringComparison.Ordinal));
        var header = Array.FindIndex(lines, l => l.TrimStart().StartsWith("EPOCH", StringComparison.Ordinal));
        Assert.True(header > 0, result.Output);
        var rows = lines.Skip(header + 1).TakeWhile(l => l.Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal(["2", "1"], rows.Select(r => r[0]));
        Assert.Equal(["margined", "margined"], rows.Select(r => r[1]));
        var second = (await node.Epochs.GetAsync(2, default))!;
        Assert.Equal([second.Trigger!, second.IntentCount.ToString(), second.Filled.ToString()], rows[0][2..5]);
        // The pools of the newest margined epoch (GET /v1/pools): one row per (chain, token), USDC on both test chains.
        var pools = Array.FindIndex(lines, l => l.TrimStart().StartsWith("CHAIN", StringComparison.Ordinal));
        Assert.True(pools > header, result.Output);
        var poolRows = lines.Skip(pools + 1).TakeWhile(l => l.Length > 0).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.Equal([NodeWorld.ChainA.ToString(), NodeWorld.ChainB.ToString()], poolRows.Select(r => r[0]));
        Assert.All(poolRows, r => Assert.Equal("USDC", r[1]));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-00:00:01")]
    public async Task Status_TimeoutNotPositive_ExitsBadInputNamingTheOption(string timeout)
    {
        var result = await CliRunner.RunAsync("status", "--node", "http://127.0.0.1:1", "--timeout", timeout);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("--timeout", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NothingListening_ExitsNonZeroNamingTheUrl()
    {
        var url = $"http://127.0.0.1:{ClosedPort()}";

        var result = await CliRunner.RunAsync("status", "--node", url, "--timeout", "00:00:30");

        Assert.Equal(ExitCodes.NodeUnreachable, result.ExitCode);
        Assert.StartsWith($"error: the node at {url}/ did not answer: ", result.Error, StringComparison.Ordinal);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public async Task Status_NotAUrl_BadInputNamingTheOption()
    {
        var result = await CliRunner.RunAsync("status", "--node", "127.0.0.1:8080");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("--node: '127.0.0.1:8080' is not an http(s) URL", result.Error, StringComparison.Ordinal);
    }

    // A port that was free a moment ago and has no listener now: connecting to it is refused at once.
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
