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
    private readonly Lock _gate = new();
    private ulong _highestOpened;
    private readonly List<(Func<Match, bool> Wanted, Regex Pattern, TaskCompletionSource<Match> Seen)> _awaited = [];
    private readonly TaskCompletionSource _firstOpened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _exited;

    private Action<string>? _onLine;

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
    /// <paramref name="environment"/> adds variables (e.g. <c>DISCRETEEXEC_CLOCK_SKEW_SECONDS</c>); <paramref name="onLine"/>
    /// also gets every line as it comes (a harness that keeps a live log).
    /// </summary>
    public static NodeProcess Start(string configPath, string? crashAt, IReadOnlyDictionary<string, string>? environment = null, Action<string>? onLine = null)
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
        var node = new NodeProcess(process) { _onLine = onLine };
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

    /// <summary>
    /// The first line (already written or still to come) that <paramref name="pattern"/> matches and, when given,
    /// <paramref name="accept"/> takes; a timeout names the pattern and shows the output.
    /// </summary>
    public async Task<Match> LineAsync(Regex pattern, TimeSpan timeout, Func<Match, bool>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Func<Match, bool> wanted = m => m.Success && (accept is null || accept(m));
        var seen = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_lines.Select(l => pattern.Match(l)).FirstOrDefault(wanted) is { } written)
            {
                return written;
            }

            _awaited.Add((wanted, pattern, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The node wrote no line matching '{pattern}' within {timeout}. Its output:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>The highest N of the "Epoch N open" lines written so far (0: none).</summary>
    public ulong HighestOpened
    {
        get
        {
            lock (_gate)
            {
                return _highestOpened;
            }
        }
    }

    /// <summary>Completes once an "Epoch N open" line with N above <paramref name="epoch"/> was written (already, or later).</summary>
    public async Task<ulong> OpenedAfterAsync(ulong epoch, TimeSpan timeout)
    {
        var line = await LineAsync(OpenedLine(), timeout, m => ulong.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) > epoch);
        return ulong.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>SIGSTOP: the process is frozen where it is (a paused VM, a long GC), holding whatever it held.</summary>
    public Task PauseAsync() => SignalAsync("-STOP", mustReach: true);

    /// <summary>SIGCONT: a paused process runs on from where it stopped, unaware of the time that passed.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT", mustReach: true);

    /// <summary>The first line holding <paramref name="text"/> (one already written counts), within <paramref name="timeout"/>.</summary>
    public async Task<string> LineContainingAsync(string text, TimeSpan timeout) =>
        (await LineAsync(new Regex("^.*" + Regex.Escape(text) + ".*$"), timeout)).Value;

    /// <summary>Stops the node gracefully (SIGTERM, as an operator would) and waits for it.</summary>
    public async Task TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        await SignalAsync("-TERM", mustReach: false);
        await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: no shutdown code runs, as when the machine dies.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        await SignalAsync("-KILL", mustReach: false);
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

    // mustReach: a signal to a process that has just exited is fine for TERM and KILL, an error for STOP and CONT.
    private async Task SignalAsync(string signal, bool mustReach)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (mustReach && kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill {signal} {_process.Id} failed with exit code {kill.ExitCode}.");
        }
    }

    private void Line(string? line)
    {
        if (line is null)
        {
            return;
        }

        _onLine?.Invoke(line);

        lock (_gate)
        {
            _lines.Enqueue(line);
            foreach (var awaited in _awaited.ToList())
            {
                if (awaited.Pattern.Match(line) is var matched && awaited.Wanted(matched))
                {
                    awaited.Seen.TrySetResult(matched);
                    _awaited.Remove(awaited);
                }
            }
        }

        if (OpenedLine().Match(line) is { Success: true } match)
        {
            var epoch = ulong.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            lock (_gate)
            {
                _highestOpened = Math.Max(_highestOpened, epoch);
            }

            _opened.Writer.TryWrite(epoch);
            _firstOpened.TrySetResult();
        }
    }

    [GeneratedRegex(@"Epoch (\d+) open\b")]
    private static partial Regex OpenedLine();
}
