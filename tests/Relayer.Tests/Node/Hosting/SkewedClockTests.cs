using System.Diagnostics;
using System.Reflection;
using DiscreteExec.Relayer.Node.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Hosting;

public sealed class SkewedClockTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void HonoursVariable_OnlyWhenTheRelayerIsADebugBuild()
    {
        // A Release build of the node ignores the variable; these tests run against a Debug build, which honours it.
        var debugBuild = typeof(SkewedClock).Assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled == true;
        Assert.Equal(debugBuild, SkewedClock.HonoursVariable);
    }

    [Fact]
    public void Parse_Unset_TheClockItself()
    {
        var inner = new FakeTimeProvider(Start);
        Assert.Same(inner, SkewedClock.Parse(null, inner));
        Assert.Same(inner, SkewedClock.Parse("  ", inner));
    }

    [Theory]
    [InlineData("90", 90)]
    [InlineData("-3600", -3600)]
    public void Parse_Seconds_WallClockShiftedTimestampsNot(string value, long seconds)
    {
        var inner = new FakeTimeProvider(Start);
        var clock = SkewedClock.Parse(value, inner);

        Assert.Equal(Start + TimeSpan.FromSeconds(seconds), clock.GetUtcNow());
        Assert.Equal(inner.GetTimestamp(), clock.GetTimestamp());
        inner.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(Start + TimeSpan.FromSeconds(seconds + 5), clock.GetUtcNow());
    }

    [Fact]
    public async Task Timers_RunOnTheInnerClock()
    {
        var inner = new FakeTimeProvider(Start);
        var clock = SkewedClock.Parse("600", inner);
        var delay = Task.Delay(TimeSpan.FromSeconds(10), clock);
        Assert.False(delay.IsCompleted);
        inner.Advance(TimeSpan.FromSeconds(10));
        await delay.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("ten")]
    [InlineData("1.5")]
    [InlineData("86401")]
    public void Parse_Malformed_ErrorNamesTheVariableAndValue(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => SkewedClock.Parse(value, TimeProvider.System));
        Assert.Contains(SkewedClock.VariableName, error.Message, StringComparison.Ordinal);
        Assert.Contains(value, error.Message, StringComparison.Ordinal);
    }
}
