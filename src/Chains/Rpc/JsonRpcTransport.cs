using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using DiscreteExec.Chains.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace DiscreteExec.Chains.Rpc;

/// <summary>
/// JSON-RPC 2.0 over HTTP POST to one endpoint, through one shared <see cref="HttpClient"/> (never one per call) and
/// the endpoint's <see cref="RpcPipeline"/>. One attempt is send, read and interpret, so an error the node writes in
/// a 200 body (a rate limit) is retried like an HTTP 429. Every failure leaves as a <see cref="ChainRpcException"/>:
/// <see cref="JsonRpcException"/> for an error object (or the adapter's subclass of it), <see cref="RpcTransportException"/>
/// for everything else, after the retries.
/// </summary>
public sealed partial class JsonRpcTransport
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly Func<JsonElement, string, JsonRpcException> _mapError;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _nextId;

    /// <param name="http">The host's shared client.</param>
    /// <param name="endpoint">The URL and the chain it serves.</param>
    /// <param name="pipeline">The endpoint's pipeline, see <see cref="RpcPipeline.Create"/>.</param>
    /// <param name="logger">Transport faults and HTTP error statuses at Debug (the pipeline reports retries).</param>
    /// <param name="timeProvider">Measures each attempt's duration.</param>
    /// <param name="mapError">Maps an error object (and the method) to the adapter's exception; default <see cref="JsonRpcException.FromErrorObject"/>.</param>
    public JsonRpcTransport(HttpClient http, RpcEndpoint endpoint, ResiliencePipeline pipeline, ILogger logger, TimeProvider timeProvider, Func<JsonElement, string, JsonRpcException>? mapError = null)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        Endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _mapError = mapError ?? JsonRpcException.FromErrorObject;
    }

    public RpcEndpoint Endpoint { get; }

    /// <summary>
    /// Calls <paramref name="method"/>; <paramref name="writeParams"/> writes the elements of the <c>params</c> array and
    /// <paramref name="read"/> maps the <c>result</c> (inside the attempt: what it throws is not retried unless transient).
    /// </summary>
    public Task<T> CallAsync<T>(string method, Action<Utf8JsonWriter> writeParams, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writeParams);
        ArgumentNullException.ThrowIfNull(read);
        return SendAsync(method, writer => WriteRequest(writer, method, writeParams), root => read(ResultOf(root, method)), cancellationToken);
    }

    /// <summary>
    /// Sends a body the caller writes (a batch: an array of requests from <see cref="WriteRequest"/>) and interprets the
    /// whole response document; <paramref name="label"/> names the call in metrics, logs and exceptions.
    /// </summary>
    public async Task<T> SendAsync<T>(string label, Action<Utf8JsonWriter> writeBody, Func<JsonElement, T> interpret, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(writeBody);
        ArgumentNullException.ThrowIfNull(interpret);
        var body = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(body))
        {
            writeBody(writer);
        }

        var context = ResilienceContextPool.Shared.Get(label, cancellationToken);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (context, state) => await state.self.AttemptAsync(state.label, state.payload, state.interpret, context.CancellationToken).ConfigureAwait(false),
                context,
                (self: this, label, payload: body.WrittenMemory, interpret)).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException e)
        {
            throw new RpcTransportException(string.Create(CultureInfo.InvariantCulture, $"{label}: no answer from {Endpoint.Url} within {e.Timeout}"), null, e) { Method = label };
        }
        catch (BrokenCircuitException e)
        {
            throw new RpcTransportException($"{label}: the circuit to {Endpoint.Url} is open after repeated failures", null, e) { Method = label };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcTransportException($"{label}: the request to {Endpoint.Url} was cancelled (HttpClient timeout)", null, e) { Method = label };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Writes one request object <c>{"jsonrpc":"2.0","id":n,"method":…,"params":[…]}</c> with the next id.</summary>
    public void WriteRequest(Utf8JsonWriter writer, string method, Action<Utf8JsonWriter> writeParams)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(writeParams);
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        writer.WriteNumber("id", Interlocked.Increment(ref _nextId));
        writer.WriteString("method", method);
        writer.WriteStartArray("params");
        writeParams(writer);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>One response object's <c>result</c> (cloned), or its error object mapped to an exception.</summary>
    public JsonElement ResultOf(JsonElement response, string method)
    {
        if (response.ValueKind == JsonValueKind.Object && response.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            throw _mapError(error, method);
        }

        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("result", out var result))
        {
            throw new RpcTransportException($"{method}: the response has neither result nor error.", null) { Method = method };
        }

        return result.Clone();
    }

    private async Task<T> AttemptAsync<T>(string label, ReadOnlyMemory<byte> payload, Func<JsonElement, T> interpret, CancellationToken cancellationToken)
    {
        var tags = ChainTelemetry.Tags(Endpoint.Kind, Endpoint.ChainId, label);
        ChainTelemetry.RpcCalls.Add(1, tags);
        var started = _time.GetTimestamp();
        try
        {
            using var document = await SendOnceAsync(label, payload, cancellationToken).ConfigureAwait(false);
            return interpret(document.RootElement);
        }
        catch (Exception e) when (ErrorType(e, cancellationToken) is { } type)
        {
            tags.Add("error.type", type);
            ChainTelemetry.RpcErrors.Add(1, tags);
            throw;
        }
        finally
        {
            ChainTelemetry.RpcDuration.Record(_time.GetElapsedTime(started).TotalSeconds, ChainTelemetry.Tags(Endpoint.Kind, Endpoint.ChainId, label));
        }
    }

    private async Task<JsonDocument> SendOnceAsync(string label, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint.Url) { Content = new ReadOnlyMemoryContent(payload) };
        request.Content.Headers.ContentType = JsonContentType;
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            LogTransportFailure(_logger, Endpoint.ChainId.Value, label, e.Message);
            throw new RpcTransportException($"{label}: {e.Message}", null, e) { Method = label };
        }

        using (response)
        {
            byte[] content;
            try
            {
                content = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                throw new RpcTransportException($"{label}: reading the response failed: {e.Message}", null, e) { Method = label };
            }

            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || status >= 500)
            {
                LogHttpStatus(_logger, Endpoint.ChainId.Value, label, status);
                throw new RpcTransportException(string.Create(CultureInfo.InvariantCulture, $"{label}: HTTP {status} {response.ReasonPhrase}"), response.StatusCode) { Method = label };
            }

            try
            {
                return JsonDocument.Parse(content);
            }
            catch (JsonException e)
            {
                // A truncated 200 body is a transport fault (retried); a non-JSON 4xx is a configuration error (not retried).
                throw new RpcTransportException(
                    string.Create(CultureInfo.InvariantCulture, $"{label}: HTTP {status} with a body that is not JSON"),
                    response.IsSuccessStatusCode ? null : response.StatusCode,
                    e) { Method = label };
            }
        }
    }

    private static string? ErrorType(Exception exception, CancellationToken callerToken) => exception switch
    {
        JsonRpcException => "json_rpc",
        RpcTransportException { StatusCode: not null } => "http",
        RpcTransportException => "transport",
        OperationCanceledException when !callerToken.IsCancellationRequested => "timeout",
        OperationCanceledException => null,
        _ => exception.GetType().Name,
    };

    [LoggerMessage(EventId = 1103, Level = LogLevel.Debug, Message = "Chain {ChainId}: JSON-RPC {Method} transport failure: {Reason}")]
    private static partial void LogTransportFailure(ILogger logger, ulong chainId, string method, string reason);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Debug, Message = "Chain {ChainId}: JSON-RPC {Method} answered HTTP {StatusCode}")]
    private static partial void LogHttpStatus(ILogger logger, ulong chainId, string method, int statusCode);
}
