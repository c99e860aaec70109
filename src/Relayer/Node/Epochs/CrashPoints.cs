using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>The named steps of the lifecycle where a fault-injection test may kill the node.</summary>
internal enum CrashPoint
{
    /// <summary>The close decision is persisted and its intents taken; the record is not Closed yet.</summary>
    AfterTake,

    /// <summary>The record at Closed is persisted (the intents are taken, the manifest and input written).</summary>
    AfterClose,

    /// <summary>The record at Cleared is persisted (the batch root chosen).</summary>
    AfterClear,

    /// <summary>A chunk was recorded Applied and another chunk of the epoch is not done yet.</summary>
    BetweenChunks,

    /// <summary>The submitter reported a chunk Applied; its progress is not recorded yet.</summary>
    ChunkSentUnrecorded,
}

/// <summary>Where the epoch loop and the chunk pipeline say which crash point they pass. Test-only fault injection.</summary>
internal interface ICrashPoints
{
    void Reached(CrashPoint point, ulong epochId);
}

/// <summary>The default: passing a crash point does nothing.</summary>
internal sealed class NoCrashPoints : ICrashPoints
{
    public static readonly NoCrashPoints Instance = new();

    public void Reached(CrashPoint point, ulong epochId)
    {
    }
}

/// <summary>
/// Test-only fault injection: <c>DISCRETEEXEC_CRASH_AT=&lt;point&gt;[:&lt;epoch&gt;]</c> (points <c>after-take</c>, <c>after-close</c>,
/// <c>after-clear</c>, <c>between-chunks</c>, <c>chunk-sent-unrecorded</c>), read once at node start, kills the
/// process with SIGKILL (no shutdown code runs) the first time it passes that point (in that epoch). Never set it in
/// production: a warning says so at start.
/// </summary>
internal sealed partial class KillingCrashPoints : ICrashPoints
{
    public const string VariableName = "DISCRETEEXEC_CRASH_AT";

    private static readonly Dictionary<string, CrashPoint> Names = new(StringComparer.Ordinal)
    {
        ["after-take"] = CrashPoint.AfterTake,
        ["after-close"] = CrashPoint.AfterClose,
        ["after-clear"] = CrashPoint.AfterClear,
        ["between-chunks"] = CrashPoint.BetweenChunks,
        ["chunk-sent-unrecorded"] = CrashPoint.ChunkSentUnrecorded,
    };

    private readonly CrashPoint _point;
    private readonly ulong? _epochId;
    private readonly ILogger _logger;

    private KillingCrashPoints(CrashPoint point, ulong? epochId, ILogger logger)
    {
        _point = point;
        _epochId = epochId;
        _logger = logger;
    }

    /// <summary>The crash points the environment asks for: none when the variable is unset; a malformed value is an error naming it.</summary>
    public static ICrashPoints FromEnvironment(ILogger logger) => Parse(Environment.GetEnvironmentVariable(VariableName), logger);

    public static ICrashPoints Parse(string? value, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (string.IsNullOrWhiteSpace(value))
        {
            return NoCrashPoints.Instance;
        }

        var parts = value.Trim().Split(':');
        ulong epochId = 0;
        if (parts.Length > 2 || !Names.TryGetValue(parts[0], out var point)
            || (parts.Length == 2 && !ulong.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out epochId)))
        {
            throw new ArgumentException($"{VariableName}='{value}' is not <point>[:<epoch>] with a point among {string.Join(", ", Names.Keys)}.");
        }

        LogArmed(logger, VariableName, value);
        return new KillingCrashPoints(point, parts.Length == 2 ? epochId : null, logger);
    }

    public void Reached(CrashPoint point, ulong epochId)
    {
        if (point != _point || (_epochId is { } only && only != epochId))
        {
            return;
        }

        LogKilling(_logger, point, epochId);

        // The console logger writes on its own thread, which the kill may beat: this line is written before it dies.
        Console.Error.WriteLine($"crash point {point} reached in epoch {epochId}: SIGKILL");
        using var self = Process.GetCurrentProcess();
        self.Kill(); // SIGKILL on Linux and macOS: no finally block, no host shutdown, no flush runs after this.
        Environment.FailFast($"Crash point {point} in epoch {epochId}: the process outlived its own SIGKILL.");
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Fault injection is on ({Variable}={Value}): the node kills itself with SIGKILL at that crash point. For crash-safety tests only")]
    private static partial void LogArmed(ILogger logger, string variable, string value);

    [LoggerMessage(EventId = 31, Level = LogLevel.Critical, Message = "Crash point {Point} reached in epoch {EpochId}: killing the process (SIGKILL)")]
    private static partial void LogKilling(ILogger logger, CrashPoint point, ulong epochId);
}

/// <summary>
/// Test-only sabotage, compiled into Debug builds only: <c>DISCRETEEXEC_BREAK_ON_PURPOSE=skip-payouts</c> makes the
/// epoch loop treat every payout chunk as done without sending it (the Release stays, the payout never comes). It
/// exists so that the chaos harness's chain-only checker can be shown catching a broken node
/// (<c>tests/Chaos/README.md</c>). A Release build ignores the variable.
/// </summary>
internal static class BreakOnPurpose
{
    public const string VariableName = "DISCRETEEXEC_BREAK_ON_PURPOSE";

#if DEBUG
    public static bool SkipsPayouts { get; } = Environment.GetEnvironmentVariable(VariableName) == "skip-payouts";
#else
    public static bool SkipsPayouts => false;
#endif
}
