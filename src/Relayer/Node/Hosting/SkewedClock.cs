using System.Globalization;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Test-only fault injection for the chaos harness: <c>DISCRETEEXEC_CLOCK_SKEW_SECONDS=&lt;signed seconds&gt;</c>, read
/// once at node start, shifts the node's wall clock (<see cref="TimeProvider.GetUtcNow"/>) by that much, as an
/// operator's machine whose clock jumped would. Timers and elapsed-time measurements are not shifted (a real clock jump
/// moves neither). Debug builds only, like <c>DISCRETEEXEC_BREAK_ON_PURPOSE</c>: a Release build ignores the variable
/// (<see cref="HonoursVariable"/>), so a production node's clock cannot be shifted by its environment. A Debug node
/// that honours it warns at start.
/// </summary>
internal sealed class SkewedClock(TimeProvider inner, TimeSpan skew) : TimeProvider
{
    public const string VariableName = "DISCRETEEXEC_CLOCK_SKEW_SECONDS";

    /// <summary>At most a day either way: a larger value is a typo, not a test.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromDays(1);

    public TimeSpan Skew => skew;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + skew;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);

#if DEBUG
    /// <summary>Whether <see cref="FromEnvironment"/> reads the variable: in Debug builds only.</summary>
    public static bool HonoursVariable => true;
#else
    /// <summary>Whether <see cref="FromEnvironment"/> reads the variable: in Debug builds only.</summary>
    public static bool HonoursVariable => false;
#endif

    /// <summary>
    /// The node's clock: <paramref name="inner"/> unless the variable is set in a Debug build; a malformed value is an
    /// error naming it. A Release build always returns <paramref name="inner"/>.
    /// </summary>
    public static TimeProvider FromEnvironment(TimeProvider inner) =>
        HonoursVariable ? Parse(Environment.GetEnvironmentVariable(VariableName), inner) : inner;

    public static TimeProvider Parse(string? value, TimeProvider inner)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return inner;
        }

        if (!long.TryParse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(seconds) > (long)Limit.TotalSeconds)
        {
            throw new ArgumentException($"{VariableName}='{value}' is not a whole number of seconds within ±{(long)Limit.TotalSeconds}.");
        }

        return new SkewedClock(inner, TimeSpan.FromSeconds(seconds));
    }
}
