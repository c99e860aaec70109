using DiscreteExec.Chains.Rpc;

namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>A transaction was refused in preflight (-32002) or failed on chain; carries the runtime error and the logs.</summary>
public sealed class SolanaTransactionException : JsonRpcException
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

    /// <summary>The code is the JSON-RPC error code (-32002 for a preflight refusal), or null when the failure was read from the chain.</summary>
    public SolanaTransactionException(string method, int? code, TransactionError error, IReadOnlyList<string> logs, string? signature)
        : base(code ?? 0, error?.ToString() ?? string.Empty, null, $"{method}: transaction {signature ?? "(unsigned)"} failed: {error}")
    {
        ArgumentNullException.ThrowIfNull(error);
        Error = error;
        Logs = logs ?? [];
        Signature = signature;
        Method = method;
    }

    public TransactionError Error { get; }

    public IReadOnlyList<string> Logs { get; } = [];

    public string? Signature { get; }
}

/// <summary>JSON-RPC error codes of the Solana RPC the adapter reacts to.</summary>
internal static class RpcErrorCodes
{
    public const int BlockNotAvailable = -32004;
    public const int NodeUnhealthy = -32005;
    public const int SendTransactionPreflightFailure = -32002;
    public const int TransactionHistoryNotAvailable = -32011;
    public const int MinContextSlotNotReached = -32016;
    public const int MethodNotFound = -32601;

    /// <summary>Which error objects the RPC pipeline retries: the node behind or unhealthy, never a failed transaction.</summary>
    public static bool IsTransient(JsonRpcException error) =>
        error is not SolanaTransactionException
        && error?.Code is BlockNotAvailable or NodeUnhealthy or MinContextSlotNotReached or TransactionHistoryNotAvailable;
}
