using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>A real anvil on a free 127.0.0.1 port, started for a test class and killed (by its own PID) afterwards.</summary>
public sealed class AnvilProcess : IAsyncDisposable
{
    public const ulong ChainId = 31337;

    private readonly Process _process;

    private AnvilProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        Url = new Uri($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }

    public Uri Url { get; }

    public static async Task<AnvilProcess> StartAsync()
    {
        var path = FindAnvil();
        var port = FreePort();
        var start = new ProcessStartInfo(path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--chain-id", ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--silent" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var anvil = new AnvilProcess(process, port);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var content = new StringContent("""{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}""", System.Text.Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(anvil.Url, content);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return anvil;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
            }

            if (process.HasExited || DateTime.UtcNow >= deadline)
            {
                await anvil.DisposeAsync();
                throw new InvalidOperationException($"anvil at {path} did not answer on port {port} (exited: {process.HasExited}).");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>ANVIL_PATH, else the npm-installed binary under the repository's contracts/evm.</summary>
    public static string FindAnvil()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("ANVIL_PATH");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return File.Exists(fromEnvironment)
                ? fromEnvironment
                : throw new FileNotFoundException($"ANVIL_PATH points at {fromEnvironment}, which does not exist.");
        }

        var relative = Path.Combine("contracts", "evm", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");
        var repository = RepositoryRoot();
        var candidate = Path.Combine(repository, relative);
        return File.Exists(candidate)
            ? candidate
            : throw new FileNotFoundException($"anvil not found at {candidate}. Run `npm ci` in {Path.Combine(repository, "contracts", "evm")} (or set ANVIL_PATH).");
    }

    /// <summary>The nearest ancestor of the test binaries that holds contracts/evm.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, "contracts", "evm")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No contracts/evm above {AppContext.BaseDirectory}.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
