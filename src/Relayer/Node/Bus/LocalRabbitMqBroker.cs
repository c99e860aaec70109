using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// A throwaway RabbitMQ (the Debian package's <c>rabbitmq-server</c>) run as a local child process on free ports
/// bound to 127.0.0.1, with its own HOME (Erlang cookie), data and log directories and its own epmd, all stopped by
/// their process ids. For the bus benchmark and tests; <see cref="RestartAsync"/> kills the broker hard and starts it
/// again on the same ports and data, as a crash would.
/// </summary>
internal sealed class LocalRabbitMqBroker : IAsyncDisposable
{
    public const string ServerPath = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private const string ControlPath = "/usr/lib/rabbitmq/bin/rabbitmqctl";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _directory;
    private readonly int _amqpPort;
    private readonly int _distributionPort;
    private readonly int _epmdPort;
    private Process? _epmd;
    private Process? _server;

    private LocalRabbitMqBroker(string directory, int amqpPort, int distributionPort, int epmdPort)
    {
        _directory = directory;
        _amqpPort = amqpPort;
        _distributionPort = distributionPort;
        _epmdPort = epmdPort;
    }

    /// <summary>The broker's address with the default guest user (allowed on loopback).</summary>
    public Uri AmqpUri => new($"amqp://guest:guest@127.0.0.1:{_amqpPort.ToString(CultureInfo.InvariantCulture)}/");

    private string NodeName => $"rabbit-{_amqpPort.ToString(CultureInfo.InvariantCulture)}@localhost";

    private string PidFile => Path.Combine(_directory, "rabbit.pid");

    /// <summary>Starts a broker and returns once it accepts AMQP connections (~10 s).</summary>
    public static async Task<LocalRabbitMqBroker> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(ServerPath))
        {
            throw new InvalidOperationException($"RabbitMQ is not installed ({ServerPath} is missing): install the Debian package rabbitmq-server (apt-get install -y rabbitmq-server).");
        }

        var directory = Directory.CreateTempSubdirectory("discreteexec-rabbitmq-").FullName;
        var broker = new LocalRabbitMqBroker(directory, FreePort(), FreePort(), FreePort());
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq.conf"), $"listeners.tcp.default = 127.0.0.1:{broker._amqpPort.ToString(CultureInfo.InvariantCulture)}\n", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(directory, "enabled_plugins"), "[].\n", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(directory, "rabbitmq-env.conf"), string.Empty, cancellationToken).ConfigureAwait(false);
            await broker.StartProcessesAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the broker (SIGKILL, as a crash) and starts it again on the same ports and data directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await StopServerAsync().ConfigureAwait(false);
        await StartProcessesAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills the broker (SIGKILL, as a crash) and leaves it down until <see cref="StartAgainAsync"/>.</summary>
    public Task KillAsync() => StopServerAsync();

    /// <summary>Starts a killed broker again on the same ports and data directory; returns once it accepts connections.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) => StartProcessesAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await StopServerAsync().ConfigureAwait(false);
        await StopAsync(_epmd).ConfigureAwait(false);
        _epmd = null;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying process: the directory is under the temp folder and harmless.
        }
    }

    private async Task StartProcessesAsync(CancellationToken cancellationToken)
    {
        // Our own epmd, so that rabbitmq-server does not daemonize one we could not stop by its id.
        _epmd ??= Launch("epmd", ["-port", _epmdPort.ToString(CultureInfo.InvariantCulture), "-address", "127.0.0.1"]);
        _server = Launch(ServerPath, []);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        using var wait = Launch(ControlPath, ["-n", NodeName, "wait", PidFile, "--timeout", ((int)StartTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture)]);
        try
        {
            await wait.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"RabbitMQ did not start within {StartTimeout.TotalSeconds} s; its logs are in {_directory}.");
        }

        if (wait.ExitCode != 0 || _server.HasExited)
        {
            throw new InvalidOperationException($"RabbitMQ did not start (rabbitmqctl wait exited with {wait.ExitCode}); its logs are in {_directory}.");
        }
    }

    private Process Launch(string fileName, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var environment = start.Environment;
        // HOME holds the Erlang cookie that rabbitmqctl needs to reach the node; only this child's HOME moves.
        environment["HOME"] = _directory;
        environment["RABBITMQ_NODENAME"] = NodeName;
        environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_NODE_PORT"] = _amqpPort.ToString(CultureInfo.InvariantCulture);
        environment["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(CultureInfo.InvariantCulture);
        environment["ERL_EPMD_PORT"] = _epmdPort.ToString(CultureInfo.InvariantCulture);
        environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(_directory, "mnesia");
        environment["RABBITMQ_LOG_BASE"] = Path.Combine(_directory, "log");
        environment["RABBITMQ_PID_FILE"] = PidFile;
        environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(_directory, "rabbitmq.conf");
        environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_directory, "enabled_plugins");
        environment["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(_directory, "rabbitmq-env.conf");

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        // Drain both pipes so that a chatty child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    // The Erlang VM is a child of the rabbitmq-server shell script: killed first, the script reaps it and exits, and
    // awaiting the script reaps the script; killed last, the VM would be left to an init that may never reap it.
    private async Task StopServerAsync()
    {
        if (_server is { HasExited: false } && File.Exists(PidFile)
            && int.TryParse(await File.ReadAllTextAsync(PidFile).ConfigureAwait(false), NumberStyles.None, CultureInfo.InvariantCulture, out var virtualMachineId))
        {
            try
            {
                using var virtualMachine = Process.GetProcessById(virtualMachineId);
                virtualMachine.Kill();
                using var reaped = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                await _server.WaitForExitAsync(reaped.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ArgumentException or OperationCanceledException)
            {
                // Already gone, or the script hangs: the tree kill below ends it.
            }
        }

        await StopAsync(_server).ConfigureAwait(false);
        _server = null;
    }

    // Kill by our own process id (with its children: the shell wrapper's beam), then wait for the exit, which also
    // reaps the child so it does not linger as a zombie.
    private static async Task StopAsync(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already exited and reaped.
        }
        finally
        {
            process.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
