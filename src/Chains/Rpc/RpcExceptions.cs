using System.Globalization;
using System.Net;
using System.Text.Json;

namespace DiscreteExec.Chains.Rpc;

/// <summary>Any failure of a JSON-RPC call to a chain's node, after the transport's retries: the adapters' boundary exception.</summary>
public class ChainRpcException : Exception
{
    public ChainRpcException()
    {
    }

    public ChainRpcException(string message)
        : base(message)
    {
    }

    public ChainRpcException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The JSON-RPC method that failed (for a batch, a label naming it).</summary>
    public string Method { get; init; } = string.Empty;
}

/// <summary>The transport failed (connection, timeout, open circuit) or the node answered with an HTTP error status.</summary>
public sealed class RpcTransportException : ChainRpcException
{
    public RpcTransportException()
    {
    }

    public RpcTransportException(string message)
        : base(message)
    {
    }

    public RpcTransportException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    public RpcTransportException(string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    /// <summary>The HTTP status when the node answered with one; null for a transport fault.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>A dropped connection, a timeout, 408, 429 or 5xx: worth retrying. Other statuses (401, 404, …) are configuration errors.</summary>
    public bool IsTransient => StatusCode is null or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

/// <summary>The node answered with a JSON-RPC error object: its code, message and data, and the method that was called.</summary>
public class JsonRpcException : ChainRpcException
{
    public JsonRpcException()
    {
    }

    public JsonRpcException(string message)
        : base(message)
    {
        RpcMessage = message;
    }

    public JsonRpcException(string message, Exception? innerException)
        : base(message, innerException)
    {
        RpcMessage = message;
    }

    public JsonRpcException(int code, string message, string? data)
        : this(code, message, data, string.Create(CultureInfo.InvariantCulture, $"JSON-RPC error {code}: {message}"))
    {
    }

    /// <summary>For subclasses that word their own message (a revert, a failed transaction).</summary>
    protected JsonRpcException(int code, string rpcMessage, string? data, string message)
        : base(message)
    {
        Code = code;
        RpcMessage = rpcMessage;
        Data = data;
    }

    public int Code { get; }

    /// <summary>The error object's message as the node wrote it.</summary>
    public string RpcMessage { get; } = string.Empty;

    /// <summary>The error object's data member as raw JSON text, or null.</summary>
    public new string? Data { get; }

    /// <summary>Reads an error object's code, message and data (missing members read as 0 and empty).</summary>
    public static JsonRpcException FromErrorObject(JsonElement error, string method) =>
        new(ErrorCode(error), ErrorMessage(error), ErrorData(error)) { Method = method };

    public static int ErrorCode(JsonElement error) =>
        error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.TryGetInt32(out var value) ? value : 0;

    public static string ErrorMessage(JsonElement error) =>
        error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String ? message.GetString() ?? string.Empty : string.Empty;

    public static string? ErrorData(JsonElement error) => error.TryGetProperty("data", out var data) ? data.GetRawText() : null;
}
