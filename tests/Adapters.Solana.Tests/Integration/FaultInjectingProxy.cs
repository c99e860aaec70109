using System.Net;
using System.Net.Sockets;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// A real HTTP proxy on 127.0.0.1 in front of the dev node that, from a seeded random source, drops connections,
/// answers 500 or 429, delays (some beyond the client's timeout), or forwards and then loses the response — the
/// case that makes a sent transaction's fate unknown to the client.
/// </summary>
internal sealed class FaultInjectingProxy : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly HttpClient _upstream = new();
    private readonly Uri _target;
    private readonly Random _random;
    private readonly Task _loop;
    private int _dropped;
    private int _serverErrors;
    private int _rateLimited;
    private int _delayed;
    private int _lostResponses;
    private int _forwarded;

    public FaultInjectingProxy(Uri target, int seed)
    {
        _target = target;
        _random = new Random(seed);
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(Url.ToString());
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    public bool Enabled { get; set; } = true;

    public string Stats => $"dropped {_dropped}, 500s {_serverErrors}, 429s {_rateLimited}, delayed {_delayed}, lost responses {_lostResponses}, forwarded {_forwarded}";

    public int Faults => _dropped + _serverErrors + _rateLimited + _lostResponses;

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
        }

        _upstream.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            double roll;
            int delayMs;
            lock (_random)
            {
                roll = _random.NextDouble();
                delayMs = _random.Next(50, 400);
            }

            if (!Enabled)
            {
                roll = 1;
            }

            switch (roll)
            {
                case < 0.10:
                    Interlocked.Increment(ref _dropped);
                    context.Response.Abort();
                    return;
                case < 0.18:
                    Interlocked.Increment(ref _serverErrors);
                    await RespondAsync(context, 500, "internal error"u8.ToArray());
                    return;
                case < 0.26:
                    Interlocked.Increment(ref _rateLimited);
                    await RespondAsync(context, 429, "slow down"u8.ToArray());
                    return;
                case < 0.34:
                    Interlocked.Increment(ref _delayed);
                    await Task.Delay(delayMs);
                    break;
                case < 0.37:
                    Interlocked.Increment(ref _delayed);
                    await Task.Delay(2500); // beyond the client's per-attempt timeout
                    break;
                case < 0.45:
                    Interlocked.Increment(ref _lostResponses);
                    await ForwardAsync(body.ToArray());
                    context.Response.Abort();
                    return;
                default:
                    break;
            }

            var response = await ForwardAsync(body.ToArray());
            Interlocked.Increment(ref _forwarded);
            await RespondAsync(context, 200, response);
        }
        catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException or HttpRequestException or InvalidOperationException)
        {
            context.Response.Abort();
        }
    }

    private async Task<byte[]> ForwardAsync(byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _upstream.PostAsync(_target, content);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task RespondAsync(HttpListenerContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
