using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using DiscreteExec.Aggregator.Clearing;

namespace DiscreteExec.Relayer.Bench;

/// <summary>One measured run: what ran, on how many intents, how long, the process's peak resident memory.</summary>
internal sealed record BenchMeasurement(string Workload, int Intents, TimeSpan Elapsed, long PeakBytes, string Root);

/// <summary>
/// Runs `bench clearing`: for each size, the floor and the clearing each in a fresh child process (so that peak
/// memory is that workload's own and JIT/GC state does not leak between them), then prints one table.
/// </summary>
internal static class ClearingBenchmarkRunner
{
    public const string ClearWorkload = "clear";
    public const string FloorWorkload = "floor";

    /// <summary>In a child process: builds the epoch, runs one workload once after a small warm-up, reports it.</summary>
    public static BenchMeasurement RunInProcess(string workload, int intents, int seed)
    {
        var input = SyntheticEpoch.Create(intents, seed);

        // Warm up the JIT on a small epoch so the measured run is steady-state code.
        var warmUp = SyntheticEpoch.Create(Math.Min(intents, 2_000), seed + 1);
        Execute(workload, warmUp);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var stopwatch = Stopwatch.StartNew();
        var root = Execute(workload, input);
        stopwatch.Stop();
        return new BenchMeasurement(workload, intents, stopwatch.Elapsed, PeakResidentBytes(), root);
    }

    public static string Format(BenchMeasurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"{m.Workload} {m.Intents} {m.Elapsed.Ticks} {m.PeakBytes} {m.Root}");

    public static BenchMeasurement Parse(string line)
    {
        var parts = line.Trim().Split(' ');
        return new BenchMeasurement(
            parts[0],
            int.Parse(parts[1], CultureInfo.InvariantCulture),
            TimeSpan.FromTicks(long.Parse(parts[2], CultureInfo.InvariantCulture)),
            long.Parse(parts[3], CultureInfo.InvariantCulture),
            parts[4]);
    }

    /// <summary>Runs one workload in a child process of this same program and reads back its measurement.</summary>
    public static async Task<BenchMeasurement> RunInChildAsync(string workload, int intents, int seed, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot locate the running executable.");
        start.FileName = processPath;
        if (Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (var argument in new[] { "bench", "clearing", "--intents", intents.ToString(CultureInfo.InvariantCulture), "--seed", seed.ToString(CultureInfo.InvariantCulture), "--child", workload })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the benchmark child process.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {workload} run on {intents} intents failed (exit {process.ExitCode}): {await error.ConfigureAwait(false)}");
        }

        var lines = (await output.ConfigureAwait(false)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Parse(lines[^1]);
    }

    private static string Execute(string workload, EpochInput input) => workload switch
    {
        ClearWorkload => EpochClearing.Clear(input).BatchRoot.ToString(),
        FloorWorkload => ClearingFloor.Compute(input).ToString(),
        _ => throw new ArgumentException($"Unknown workload '{workload}' (expected '{ClearWorkload}' or '{FloorWorkload}').", nameof(workload)),
    };

    // VmHWM: the peak resident set of this process, from the kernel (Linux); the GC's view where /proc is absent.
    private static long PeakResidentBytes()
    {
        const string statusPath = "/proc/self/status";
        if (File.Exists(statusPath))
        {
            foreach (var line in File.ReadLines(statusPath))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kilobytes = long.Parse(line["VmHWM:".Length..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                    return kilobytes * 1024;
                }
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64;
    }
}
