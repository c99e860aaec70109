namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>A JSON-RPC call failed: an error object from the node, a bad HTTP status, or the transport (after retries).</summary>
public class SolanaRpcException : Exception
{
    public SolanaRpcException()
    {
    }

    public SolanaRpcException(string message)
        : base(message)
    {
    }

    public SolanaRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SolanaRpcException(string method, int? code, int? httpStatus, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Method = method;
        Code = code;
        HttpStatus = httpStatus;
    }

    public string Method { get; } = "";

    /// <summary>The JSON-RPC error code, when the node answered with one.</summary>
    public int? Code { get; }

    public int? HttpStatus { get; }

    /// <summary>Worth retrying as is: rate limited, server error, node behind or unhealthy.</summary>
    public bool IsTransient =>
        HttpStatus is 408 or 429 or >= 500
        || Code is RpcErrorCodes.BlockNotAvailable or RpcErrorCodes.NodeUnhealthy or RpcErrorCodes.MinContextSlotNotReached or RpcErrorCodes.TransactionHistoryNotAvailable;
}

/// <summary>A transaction was refused in preflight (-32002) or failed on chain; carries the runtime error and the logs.</summary>
public sealed class SolanaTransactionException : SolanaRpcException
{
    public SolanaTransactionException()
    {
        Error = new TransactionError("Unknown", null, null, null, "null");
    }

    public SolanaTransactionException(string message)
        : base(message)
    {
        Error = new TransactionError("Unknown", null, null, null, "null");
    }

    public SolanaTransactionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new TransactionError("Unknown", null, null, null, "null");
    }

    public SolanaTransactionException(string method, int? code, TransactionError error, IReadOnlyList<string> logs, string? signature)
        : base(method, code, null, $"{method}: transaction {signature ?? "(unsigned)"} failed: {error}")
    {
        Error = error;
        Logs = logs;
        Signature = signature;
    }

    public TransactionError Error { get; }

    public IReadOnlyList<string> Logs { get; } = [];

    public string? Signature { get; }
}

/// <summary>JSON-RPC error codes of the Solana RPC the adapter reacts to.</summary>
public static class RpcErrorCodes
{
    public const int BlockNotAvailable = -32004;
    public const int NodeUnhealthy = -32005;
    public const int SendTransactionPreflightFailure = -32002;
    public const int TransactionHistoryNotAvailable = -32011;
    public const int MinContextSlotNotReached = -32016;
    public const int MethodNotFound = -32601;
}
