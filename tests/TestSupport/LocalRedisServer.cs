using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DiscreteExec.TestSupport;

/// <summary>
/// A real <c>redis-server</c> (the Debian package) as a child process on a free 127.0.0.1 port with a throwaway data
/// directory and an fsync'ed append-only file. It can be killed and started again on the same port and directory.
/// A missing binary is a failure with a message saying how to install it (scripts/test.sh and .ci/run do).
/// </summary>
public sealed class LocalRedisServer : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
    private readonly string _binary;
    private Process? _process;

    private LocalRedisServer(string binary, int port, string dataDirectory)
    {
        _binary = binary;
        Port = port;
        DataDirectory = dataDirectory;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The redis-server on PATH (or /usr/bin), or null when it is not installed.</summary>
    public static string? FindBinary() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static async Task<LocalRedisServer> StartAsync()
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(
            "redis-server is not installed: the node store tests need a real Redis. Install it with "
            + "'apt-get install -y redis-server' (scripts/test.sh and .ci/run install it when missing)"
            + (Environment.GetEnvironmentVariable("CI") == "true" ? "; under CI=true a missing server is a failure." : "."));
        var dataDirectory = Directory.CreateTempSubdirectory("redis-").FullName;
        var server = new LocalRedisServer(binary, FreeLoopbackPort(), dataDirectory);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server (SIGKILL) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port and data directory (it replays its append-only file).</summary>
    public Task RestartAsync() => StartProcessAsync();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private async Task StartProcessAsync()
    {
        var startInfo = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", DataDirectory,
            "--save", string.Empty, "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no",
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            output.Enqueue(e.Data);
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException(
            $"redis-server exited before it was ready:{Environment.NewLine}{string.Join(Environment.NewLine, output)}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        try
        {
            await ready.Task.WaitAsync(ReadyTimeout);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new InvalidOperationException($"redis-server on port {Port} was not ready within {ReadyTimeout.TotalSeconds} s.");
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
