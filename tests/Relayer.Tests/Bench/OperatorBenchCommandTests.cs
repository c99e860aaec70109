using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Tests.Cli;

namespace DiscreteExec.Relayer.Tests.Bench;

public sealed class OperatorBenchCommandTests
{
    [Theory]
    [InlineData("3,5", new[] { 3, 5 })]
    [InlineData(" 2 ", new[] { 2 })]
    public void ParseSeats_ValidList_ReturnsCounts(string text, int[] expected) => Assert.Equal(expected, OperatorBenchCommand.ParseSeats(text));

    [Theory]
    [InlineData("--seats", "1")]
    [InlineData("--seats", "17")]
    [InlineData("--seats", "three")]
    [InlineData("--seats", ",")]
    [InlineData("--intents", "0")]
    [InlineData("--epochs", "0")]
    public async Task BenchOperators_BadOption_ExitsWithBadInputNamingTheOption(string option, string value)
    {
        var result = await CliRunner.RunAsync("bench", "operators", option, value);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task BenchOperators_TinyInstance_PrintsOneRowPerSeatsAndSizeWithTheRatio()
    {
        var result = await CliRunner.RunAsync("bench", "operators", "--seats", "3,5", "--intents", "40", "--epochs", "2", "--seed", "7");

        Assert.True(result.ExitCode == ExitCodes.Success, result.Error);
        var rows = result.Output.Split('\n').Where(l => l.TrimStart().StartsWith('3') || l.TrimStart().StartsWith('5')).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.All(rows, r => Assert.Matches(@"\s40\s.*\d+\.\d / \d+\.\d.*\d+\.\d\dx$", r));
        Assert.Matches(@"^\s+3\s+2\s", rows[0]); // 3 seats: threshold 2
        Assert.Matches(@"^\s+5\s+3\s", rows[1]); // 5 seats: threshold 3
    }

    [Fact]
    public async Task RunAsync_FiveSeats_EveryVerifierSignsEveryEpochAndTheThresholdIsMet()
    {
        var result = await OperatorBenchmarkRunner.RunAsync(5, 60, 3, 11, CancellationToken.None);

        Assert.Equal(3, result.Threshold);
        Assert.Equal(3, result.Epochs.Count);
        Assert.True(result.Chunks > 0);
        Assert.All(result.Epochs, e => Assert.Equal(4, e.Verifiers.Count));
        Assert.All(result.Epochs, e => Assert.True(e.ToThreshold > TimeSpan.Zero && e.Clearing > TimeSpan.Zero));
        Assert.All(result.Epochs.SelectMany(e => e.Verifiers), v => Assert.True(v.Rule > TimeSpan.Zero && v.Signing > TimeSpan.Zero && v.Total >= v.Rule + v.Signing));
    }
}
