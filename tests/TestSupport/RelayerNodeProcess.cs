using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace DiscreteExec.TestSupport;

/// <summary>
/// The built relayer (<c>dotnet DiscreteExec.Relayer.dll run --config node.json</c>, the copy built beside the tests or
/// the chaos harness) as a real child process: its output lines are kept, and every "Epoch N open" line of the epoch
/// loop is reported.
/// </summary>
public sealed partial class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Channel<ulong> _opened = Channel.CreateUnbounded<ulong>();
    private readonly TaskCompletionSource _firstOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _exited;

    private NodeProcess(Process process) => _process = process;

    /// <summary>Every line the child wrote so far (stdout and stderr).</summary>
    public string Output => string.Join(Environment.NewLine, _lines);

    public int ExitCode => _process.ExitCode;

    /// <summary>Whether the process has exited (killed, crashed at a crash point, or stopped).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Completes at the process's first "Epoch N open" line: it holds its lease and runs epochs.</summary>
    public Task FirstOpened => _firstOpened.Task;

    /// <summary>Completes when the process exits; the same task at every read (a caller may compare it with Task.WhenAny's winner).</summary>
    public Task Exited => _exited ??= _process.WaitForExitAsync();

    /// <summary>
    /// Starts the node on <paramref name="configPath"/>; <paramref name="crashAt"/> arms <c>DISCRETEEXEC_CRASH_AT</c>;
    /// <paramref name="environment"/> adds variables (e.g. <c>DISCRETEEXEC_CLOCK_SKEW_SECONDS</c>).
    /// </summary>
    public static NodeProcess Start(string configPath, string? crashAt, IReadOnlyDictionary<string, string>? environment = null)
    {
        var relayer = Path.Combine(AppContext.BaseDirectory, "DiscreteExec.Relayer.dll");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath)!,
        };
        foreach (var argument in new[] { relayer, "run", "--config", configPath })
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment.Remove("DISCRETEEXEC_CRASH_AT");
        if (crashAt is not null)
        {
            startInfo.Environment["DISCRETEEXEC_CRASH_AT"] = crashAt;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) => node.Line(e.Data);
        process.ErrorDataReceived += (_, e) => node.Line(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The node did not exit within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>The next "Epoch N open" line's N, after every one already seen is skipped.</summary>
    public async Task<ulong> NextOpenedAfterNowAsync(TimeSpan timeout)
    {
        while (_opened.Reader.TryRead(out _))
        {
        }

        try
        {
            return await _opened.Reader.ReadAsync().AsTask().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The node opened no further epoch within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Stops the node gracefully (SIGTERM, as an operator would) and waits for it.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine dies.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-KILL", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        _lines.Enqueue(line);
        if (OpenedLine().Match(line) is { Success: true } match)
        {
            _opened.Writer.TryWrite(ulong.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
            _firstOpened.TrySetResult();
        }
    }

    [GeneratedRegex(@"Epoch (\d+) open\b")]
    private static partial Regex OpenedLine();
}
