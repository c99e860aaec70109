using System.Net;
using System.Net.Sockets;
using TextEncoding = System.Text.Encoding;

namespace DiscreteExec.TestSupport;

/// <summary>The faults the proxy injects.</summary>
public enum ProxyFault
{
    None,
    DropBeforeForwarding,
    DropAfterForwarding,
    Http500,
    Http429,
    Slow,

    /// <summary>A well-framed 200 whose body is the upstream answer's first half (a proxy that cut it): JSON that does not parse.</summary>
    TruncatedBody,

    /// <summary>The headers announce the whole answer, half of it is sent, then the connection is reset (a response cut mid-body).</summary>
    CutMidBody,
}

/// <summary>What a lying EVM endpoint does to the honest answers it forwards (any combination).</summary>
[Flags]
public enum ProxyLie
{
    None = 0,

    /// <summary>Adds to each eth_getLogs answer holding an IntentOpened log a deposit that never happened (nonce + 1,000,000, its id computed as the escrow would).</summary>
    FabricateIntentOpened = 1,

    /// <summary>Removes the first IntentOpened log from each eth_getLogs answer.</summary>
    HideIntentOpened = 2,

    /// <summary>Answers every eth_call of <c>poolBalance(address)</c> with 1,000,000 more than the escrow holds.</summary>
    WrongPoolBalance = 4,
}

/// <summary>
/// A real HTTP/1.1 proxy on 127.0.0.1 in front of a JSON-RPC node (anvil or the Solana dev node). Each request draws a fault from a seeded random
/// schedule: close the connection before or after forwarding (the node did the work, the client never hears),
/// answer 500 or 429, answer slower than the client's attempt timeout, or cut the answer's body (well framed, or mid-body).
/// </summary>
public sealed class FaultInjectingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _upstream;
    private readonly HttpClient _forwarder = new();
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private readonly Dictionary<ProxyFault, int> _counts = [];
    private int _liesTold;

    public FaultInjectingProxy(Uri upstream, int seed, double faultRate, TimeSpan slowDelay)
    {
        _upstream = upstream;
        _random = new Random(seed);
        FaultRate = faultRate;
        SlowDelay = slowDelay;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    /// <summary>The share of requests that get a fault (0 turns faults off).</summary>
    public double FaultRate { get; set; }

    public TimeSpan SlowDelay { get; }

    /// <summary>The faults drawn from (every one but <see cref="ProxyFault.None"/> by default).</summary>
    public IReadOnlyList<ProxyFault> FaultKinds { get; set; } = [.. Enum.GetValues<ProxyFault>().Where(f => f != ProxyFault.None)];

    /// <summary>
    /// Rewrites an upstream answer before the client sees it (request body, response body → response body), to play a
    /// provider that drops or alters results, e.g. log entries missing from <c>eth_getLogs</c>. Null forwards answers as they are.
    /// </summary>
    public Func<byte[], byte[], byte[]>? RewriteResponse { get; set; }

    /// <summary>The lies told (applied after <see cref="RewriteResponse"/>); <see cref="ProxyLie.None"/> by default.</summary>
    public ProxyLie Lies { get; set; }

    /// <summary>The chain id a fabricated IntentOpened's id is computed with (the chain behind the proxy).</summary>
    public ulong LyingChainId { get; set; }

    /// <summary>How many answers a lie changed.</summary>
    public int LiesTold => Volatile.Read(ref _liesTold);

    /// <summary>How many requests got a fault other than <see cref="ProxyFault.None"/>.</summary>
    public int Faults => Counts.Where(c => c.Key != ProxyFault.None).Sum(c => c.Value);

    /// <summary>The counts per fault, for test output.</summary>
    public string Stats => string.Join(", ", Counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));

    public IReadOnlyDictionary<ProxyFault, int> Counts
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<ProxyFault, int>(_counts);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }

        _forwarder.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private ProxyFault Draw()
    {
        lock (_gate)
        {
            var fault = ProxyFault.None;
            if (_random.NextDouble() < FaultRate)
            {
                fault = FaultKinds[_random.Next(FaultKinds.Count)];
            }

            _counts[fault] = _counts.GetValueOrDefault(fault) + 1;
            return fault;
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (true)
                {
                    var body = await ReadRequestAsync(stream);
                    if (body is null)
                    {
                        return;
                    }

                    var fault = Draw();
                    if (fault == ProxyFault.DropBeforeForwarding)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }

                    if (fault is ProxyFault.Http500 or ProxyFault.Http429)
                    {
                        var status = fault == ProxyFault.Http500 ? "500 Internal Server Error" : "429 Too Many Requests";
                        await WriteResponseAsync(stream, status, TextEncoding.UTF8.GetBytes("{\"error\":\"injected\"}"));
                        continue;
                    }

                    if (fault == ProxyFault.Slow)
                    {
                        await Task.Delay(SlowDelay, _stop.Token);
                    }

                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                    using var response = await _forwarder.PostAsync(_upstream, content, _stop.Token);
                    var answer = await response.Content.ReadAsByteArrayAsync(_stop.Token);
                    if (RewriteResponse is { } rewrite)
                    {
                        answer = rewrite(body, answer);
                    }

                    if (Lies != ProxyLie.None && EvmLies.Tell(Lies, LyingChainId, body, answer) is { } lie)
                    {
                        answer = lie;
                        Interlocked.Increment(ref _liesTold);
                    }

                    if (fault == ProxyFault.DropAfterForwarding)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }

                    if (fault == ProxyFault.TruncatedBody)
                    {
                        answer = answer[..(answer.Length / 2)];
                    }

                    if (fault == ProxyFault.CutMidBody)
                    {
                        await WriteResponseAsync(stream, $"{(int)response.StatusCode} {response.ReasonPhrase}", answer, sent: answer.Length / 2);
                        client.Client.LingerState = new LingerOption(true, 0);
                        return;
                    }

                    await WriteResponseAsync(stream, $"{(int)response.StatusCode} {response.ReasonPhrase}", answer);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or HttpRequestException)
            {
                // The client went away (often on purpose: its attempt timed out).
            }
        }
    }

    /// <summary>Writes the response for all of <paramref name="body"/>, sending only its first <paramref name="sent"/> bytes when given.</summary>
    private static async Task WriteResponseAsync(NetworkStream stream, string status, byte[] body, int? sent = null)
    {
        var head = TextEncoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n");
        await stream.WriteAsync(head);
        await stream.WriteAsync(body.AsMemory(0, sent ?? body.Length));
        await stream.FlushAsync();
    }

    /// <summary>Reads one request's body (Content-Length framing); null when the client closed the connection.</summary>
    private static async Task<byte[]?> ReadRequestAsync(NetworkStream stream)
    {
        var buffer = new List<byte>(1024);
        var one = new byte[1];
        while (true)
        {
            var read = await stream.ReadAsync(one);
            if (read == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                break;
            }
        }

        var headers = TextEncoding.ASCII.GetString(buffer.ToArray());
        var length = 0;
        foreach (var line in headers.Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body);
        return body;
    }
}
