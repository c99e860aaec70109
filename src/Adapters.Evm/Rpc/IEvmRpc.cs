using System.Numerics;
using System.Text.Json;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>The EVM JSON-RPC methods the adapter uses. Every method may throw an <see cref="ChainRpcException"/>.</summary>
public interface IEvmRpc
{
    Task<ulong> ChainIdAsync(CancellationToken cancellationToken);

    Task<ulong> BlockNumberAsync(CancellationToken cancellationToken);

    /// <summary>The header of a block by number or tag; null when the node has no such block (yet).</summary>
    Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken);

    /// <summary>Several headers in one batch request, in the order asked.</summary>
    Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken);

    Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken);

    /// <summary>eth_call; a revert throws <see cref="EvmRevertException"/>.</summary>
    Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken);

    /// <summary>
    /// eth_call at the block with this hash (EIP-1898, <c>requireCanonical</c>): the state of exactly that block, and an
    /// error from the node once the block left its canonical chain (a call by number would read the new fork's block).
    /// </summary>
    Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken);

    /// <summary>eth_estimateGas; a revert throws <see cref="EvmRevertException"/>.</summary>
    Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken);

    Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken);

    Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken);

    Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken);

    /// <summary>eth_feeHistory over the <paramref name="blockCount"/> blocks up to <paramref name="newestBlock"/>, tips at one percentile (0-100).</summary>
    Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken);

    /// <summary>eth_sendRawTransaction; returns the hash the node reports.</summary>
    Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken);

    Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken);

    /// <summary>Any method, for what has no typed wrapper (e.g. anvil's evm_snapshot).</summary>
    Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken);

    /// <summary>A JSON-RPC batch: results in request order; one failed entry throws for the whole batch.</summary>
    Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken);
}
