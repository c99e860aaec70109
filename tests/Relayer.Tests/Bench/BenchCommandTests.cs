using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Cli;
using DiscreteExec.Relayer.Tests.Cli;

namespace DiscreteExec.Relayer.Tests.Bench;

public class BenchCommandTests
{
    [Theory]
    [InlineData("10k,100k,1m", new[] { 10_000, 100_000, 1_000_000 })]
    [InlineData("1500", new[] { 1_500 })]
    [InlineData(" 2K , 3 ", new[] { 2_000, 3 })]
    public void ParseSizes_ValidList_ReturnsSizes(string text, int[] expected) => Assert.Equal(expected, BenchCommand.ParseSizes(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("ten")]
    [InlineData("51m")]
    public void ParseSizes_BadSize_ThrowsNamingTheOption(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => BenchCommand.ParseSizes(text));
        Assert.Contains("--intents", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("ten")]
    [InlineData(",")]
    public async Task Bench_BadIntentsList_ExitsWithBadInputNamingTheOption(string text)
    {
        // A bad size is a usage error like any other: exit 2 and a one-line message, no stack trace, and never a
        // run that measures nothing.
        var result = await CliRunner.RunAsync("bench", "clearing", "--intents", text);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.StartsWith("error: --intents", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void SyntheticEpoch_SameSeed_SameIntents_OtherSeed_OtherIntents()
    {
        var first = SyntheticEpoch.Create(500, seed: 3);
        var again = SyntheticEpoch.Create(500, seed: 3);
        var other = SyntheticEpoch.Create(500, seed: 4);
        Assert.Equal(first.Intents, again.Intents);
        Assert.NotEqual(first.Intents.Select(i => i.InputAmount), other.Intents.Select(i => i.InputAmount));
    }

    [Fact]
    public void ClearingFloor_IsIndependentOfIntentOrder()
    {
        var epoch = SyntheticEpoch.Create(2_000);
        var reversed = epoch with { Intents = [.. epoch.Intents.Reverse()] };
        Assert.Equal(ClearingFloor.Compute(epoch), ClearingFloor.Compute(reversed));
    }

    [Fact]
    public void Measurement_FormatThenParse_RoundTrips()
    {
        var measurement = new BenchMeasurement("clear", 1_000, TimeSpan.FromMilliseconds(12.5), 123_456_789, "0xab");
        Assert.Equal(measurement, ClearingBenchmarkRunner.Parse(ClearingBenchmarkRunner.Format(measurement)));
    }
}
