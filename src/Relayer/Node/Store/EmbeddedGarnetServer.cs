using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Garnet;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The embedded Redis-compatible server (Microsoft Garnet) the node uses when no external Redis is configured: in this
/// process, on a free 127.0.0.1 port, with an append-only file in the data directory that it replays on start.
/// </summary>
internal sealed class EmbeddedGarnetServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedGarnetServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>
    /// The server flags. Durability: <c>--aof-commit-freq 0</c> commits the append-only file at every operation and
    /// <c>--aof-commit-wait true</c> answers the client only after that commit reached the file, so a write that was
    /// acknowledged survives kill -9 of the process (the file's bytes are in the kernel; an OS crash or power loss is
    /// not covered). <c>--device-type RandomAccess</c>: the default native device needs a newer glibc than Debian 12's.
    /// </summary>
    public static IReadOnlyList<string> Arguments(int port, string dataDirectory) =>
    [
        "--port", port.ToString(CultureInfo.InvariantCulture),
        "--bind", "127.0.0.1",
        "--lua", "true",
        "-q", "true",
        "--logger-level", "Warning",
        "--aof", "true",
        "--aof-commit-freq", "0",
        "--aof-commit-wait", "true",
        "--checkpointdir", dataDirectory,
        "--recover", "true",
        "--device-type", "RandomAccess",
    ];

    /// <summary>Starts the server on a free port, replaying what the data directory holds.</summary>
    public static EmbeddedGarnetServer Start(string dataDirectory, ILoggerFactory loggerFactory)
    {
        Directory.CreateDirectory(dataDirectory);
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            // The port is free when probed; another process could take it before Garnet binds, hence the retries.
            var port = FreeLoopbackPort();
            var server = new GarnetServer([.. Arguments(port, Path.GetFullPath(dataDirectory))], loggerFactory);
            try
            {
                server.Start();
                return new EmbeddedGarnetServer(server, port);
            }
            catch (SocketException) when (attempt < attempts)
            {
                server.Dispose();
            }
        }
    }

    public void Dispose() => _server.Dispose();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
