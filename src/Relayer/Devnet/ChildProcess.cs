using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// A local node run as a child process: started with its output captured (the tail is kept for error messages),
/// and on dispose killed by its own process id (with its children) and awaited.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 20;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly Action<string>? _onLine;

    private ChildProcess(Process process, Action<string>? onLine)
    {
        _process = process;
        _onLine = onLine;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="onLine"/> sees every stdout line (e.g. to detect readiness).</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, Action<string>? onLine = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new DevnetException($"{name}: {fileName} did not start.");
        }
        catch (Win32Exception ex)
        {
            throw new DevnetException($"{name}: cannot run {fileName} ({ex.Message}){(fileName == "node" ? ": install Node 20 and put `node` on PATH" : string.Empty)}.", ex);
        }

        var child = new ChildProcess(process, onLine);
        process.OutputDataReceived += (_, e) => child.Take(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => child.Take(e.Data, stdout: false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>A port nobody listens on now (the OS picks it); the node binds it right after.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The last lines the process wrote, for error messages.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return _tail.Count == 0 ? "(no output)" : string.Join(Environment.NewLine, _tail);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or Win32Exception)
        {
            // Already gone, or it would not die in time: nothing more a dispose can do.
        }
        finally
        {
            _process.Dispose();
        }
    }

    private void Take(string? line, bool stdout)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > KeptLines)
            {
                _tail.Dequeue();
            }
        }

        if (stdout)
        {
            _onLine?.Invoke(line);
        }
    }
}
