using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace DiscreteExec.Chains.Tests.Rpc;

/// <summary>
/// A real HTTP server on 127.0.0.1 (HttpListener on a free port) that answers each request with the next scripted
/// reply (the last one repeats) and records every request body. A reply is a status code and a body.
/// </summary>
internal sealed class LocalRpcServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Func<int, (HttpStatusCode Status, string Body)>[] _replies;
    private readonly Channel<string> _bodies = Channel.CreateUnbounded<string>();
    private readonly Task _loop;
    private int _requests;

    public LocalRpcServer(params Func<int, (HttpStatusCode Status, string Body)>[] replies)
    {
        _replies = replies;
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public Uri Url { get; }

    public int Requests => Volatile.Read(ref _requests);

    public ChannelReader<string> Bodies => _bodies.Reader;

    public static (HttpStatusCode, string) Result(string json) => (HttpStatusCode.OK, $$"""{"jsonrpc":"2.0","id":1,"result":{{json}}}""");

    public static (HttpStatusCode, string) Error(int code, string message, string data = "null") =>
        (HttpStatusCode.OK, $$$"""{"jsonrpc":"2.0","id":1,"error":{"code":{{{code}}},"message":"{{{message}}}","data":{{{data}}}}}""");

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            var index = Interlocked.Increment(ref _requests) - 1;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                await _bodies.Writer.WriteAsync(await reader.ReadToEndAsync());
            }

            var (status, body) = _replies[Math.Min(index, _replies.Length - 1)](index);
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = (int)status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
