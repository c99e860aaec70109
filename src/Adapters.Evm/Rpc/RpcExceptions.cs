using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Chains.Rpc;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>A call or gas estimate reverted; <see cref="Error"/> names the contract's custom error when the ABI knows it.</summary>
public sealed class EvmRevertException : JsonRpcException
{
    public EvmRevertException(int code, string message, byte[] revertData, DecodedError? error)
        : base(code, message, Hex.Encode(revertData ?? []), error is null ? $"JSON-RPC error {code}: {message}" : $"Reverted with {error}")
    {
        RevertData = revertData ?? [];
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
}

/// <summary>What an EVM node's JSON-RPC error object means, read from its code and message (nodes and providers word them differently).</summary>
internal static class EvmRpcErrors
{
    /// <summary>Codes nodes and providers use for "slow down" (EIP-1474 -32005 limit exceeded; 429 used as a code by some providers).</summary>
    private static readonly int[] RateLimitCodes = [-32005, 429, -32090];

    extension(JsonRpcException error)
    {
        /// <summary>A rate limit: worth retrying after a delay (not a log query too large, which some nodes also code -32005).</summary>
        public bool IsRateLimited =>
            !error.IsRangeTooLarge
            && (RateLimitCodes.Contains(error.Code)
                || error.RpcMessage.Contains("rate limit", StringComparison.OrdinalIgnoreCase)
                || error.RpcMessage.Contains("too many requests", StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// A node that no longer holds the state of the block asked for (pruned, not an archive node). Not a lagging
        /// node's "header not found" or a rate limit: those pass and must be retried, never read as "no state".
        /// </summary>
        public bool IsMissingState =>
            error.RpcMessage.Contains("missing trie node", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("state is not available", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("state not available", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("historical state", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("pruned", StringComparison.OrdinalIgnoreCase);

        /// <summary>A node refusing a log query as too large (block range or result count).</summary>
        public bool IsRangeTooLarge =>
            error.RpcMessage.Contains("block range", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("query returned more than", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("range is too large", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("too many results", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("exceed maximum block range", StringComparison.OrdinalIgnoreCase)
            || error.RpcMessage.Contains("response size exceeded", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Which error objects the RPC pipeline retries: rate limits, never a revert.</summary>
    public static bool IsTransient(JsonRpcException error) => error is not EvmRevertException && error.IsRateLimited;
}
