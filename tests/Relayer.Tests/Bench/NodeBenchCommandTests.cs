using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Cli;

namespace DiscreteExec.Relayer.Tests.Bench;

public class NodeBenchCommandTests
{
    [Theory]
    [InlineData("20", 2, new[] { 20, 20 })]
    [InlineData("20,3", 2, new[] { 20, 3 })]
    [InlineData(" 5 ", 1, new[] { 5 })]
    public void ParseEpochs_OneCountOrOnePerSize_ReturnsOnePerSize(string text, int sizes, int[] expected) =>
        Assert.Equal(expected, NodeBenchCommand.ParseEpochs(text, sizes));

    [Theory]
    [InlineData("0", 1)]
    [InlineData("ten", 1)]
    [InlineData("1,2,3", 2)]
    [InlineData(",", 1)]
    public void ParseEpochs_BadList_ThrowsNamingTheOption(string text, int sizes)
    {
        var error = Assert.Throws<ArgumentException>(() => NodeBenchCommand.ParseEpochs(text, sizes));
        Assert.Contains("--epochs", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Percentile_NearestRank_P50IsTheMedianAndP99OfTwentyIsTheMaximum()
    {
        var values = Enumerable.Range(1, 20).Select(i => TimeSpan.FromMilliseconds(i)).Reverse().ToArray();

        Assert.Equal(TimeSpan.FromMilliseconds(10), NodeBenchmarkRunner.Percentile(values, 50));
        Assert.Equal(TimeSpan.FromMilliseconds(20), NodeBenchmarkRunner.Percentile(values, 99));
        Assert.Equal(TimeSpan.Zero, NodeBenchmarkRunner.Percentile([], 50));
    }
}
