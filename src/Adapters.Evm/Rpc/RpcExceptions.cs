using System.Net;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>Any failure talking to an EVM node: the adapter's boundary exception.</summary>
public class EvmRpcException : Exception
{
    public EvmRpcException(string message)
        : base(message)
    {
    }

    public EvmRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EvmRpcException()
    {
    }

    /// <summary>The JSON-RPC method that failed.</summary>
    public string? Method { get; init; }
}

/// <summary>The transport failed or the node answered with an HTTP error status (429 and 5xx are transient).</summary>
public sealed class RpcTransportException : EvmRpcException
{
    public RpcTransportException(string message, HttpStatusCode? statusCode, Exception? innerException = null)
        : base(message, innerException ?? new InvalidOperationException(message))
    {
        StatusCode = statusCode;
    }

    public HttpStatusCode? StatusCode { get; }

    /// <summary>A dropped connection, 429 or 5xx: worth retrying. Other statuses (401, 404, …) are configuration errors.</summary>
    public bool IsTransient => StatusCode is null || StatusCode == HttpStatusCode.TooManyRequests || (int)StatusCode >= 500;
}

/// <summary>The node answered with a JSON-RPC error object.</summary>
public class JsonRpcException : EvmRpcException
{
    /// <summary>Codes nodes and providers use for "slow down" (EIP-1474 -32005 limit exceeded; 429 used as a code by some providers).</summary>
    private static readonly int[] RateLimitCodes = [-32005, 429, -32090];

    public JsonRpcException(int code, string message, string? data)
        : base($"JSON-RPC error {code}: {message}")
    {
        Code = code;
        RpcMessage = message;
        Data = data;
    }

    public JsonRpcException()
    {
        RpcMessage = string.Empty;
    }

    public JsonRpcException(string message)
        : base(message)
    {
        RpcMessage = message;
    }

    public JsonRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        RpcMessage = message;
    }

    public int Code { get; }

    public string RpcMessage { get; }

    /// <summary>The error's data member as raw JSON text (hex revert data for reverts).</summary>
    public new string? Data { get; }

    public bool IsRateLimited =>
        !IsRangeTooLarge
        && (RateLimitCodes.Contains(Code)
            || RpcMessage.Contains("rate limit", StringComparison.OrdinalIgnoreCase)
            || RpcMessage.Contains("too many requests", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// A node that no longer holds the state of the block asked for (pruned, not an archive node). Not a lagging
    /// node's "header not found" or a rate limit: those pass and must be retried, never read as "no state".
    /// </summary>
    public bool IsMissingState =>
        RpcMessage.Contains("missing trie node", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("state is not available", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("state not available", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("historical state", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("pruned", StringComparison.OrdinalIgnoreCase);

    /// <summary>A node refusing a log query as too large (block range or result count).</summary>
    public bool IsRangeTooLarge =>
        RpcMessage.Contains("block range", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("query returned more than", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("range is too large", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("too many results", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("exceed maximum block range", StringComparison.OrdinalIgnoreCase)
        || RpcMessage.Contains("response size exceeded", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A call or gas estimate reverted; <see cref="Error"/> names the contract's custom error when the ABI knows it.</summary>
public sealed class EvmRevertException : JsonRpcException
{
    public EvmRevertException(int code, string message, byte[] revertData, DecodedError? error)
        : base(code, message, Hex.Encode(revertData))
    {
        RevertData = revertData;
        Error = error;
    }

    public EvmRevertException()
    {
        RevertData = [];
    }

    public EvmRevertException(string message)
        : base(message)
    {
        RevertData = [];
    }

    public EvmRevertException(string message, Exception innerException)
        : base(message, innerException)
    {
        RevertData = [];
    }

    public byte[] RevertData { get; }

    public DecodedError? Error { get; }

    /// <summary>The custom error's name (e.g. <c>ChunkAlreadyApplied</c>), or null when unknown.</summary>
    public string? ErrorName => Error?.Name;

    public override string Message => Error is null ? base.Message : $"Reverted with {Error}";
}
