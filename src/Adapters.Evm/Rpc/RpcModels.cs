using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>The header fields the adapter uses.</summary>
public sealed record BlockHeader(ulong Number, Bytes32 Hash, Bytes32 ParentHash, ulong Timestamp, BigInteger? BaseFeePerGas)
{
    /// <summary>The block's gas limit (0 when the node did not say).</summary>
    public ulong GasLimit { get; init; }
}

/// <summary>
/// eth_feeHistory for one reward percentile: <see cref="BaseFeePerGas"/> has one entry per block of the window plus the
/// node's base fee for the next block (last); <see cref="Rewards"/> and <see cref="GasUsed"/> one entry per block.
/// </summary>
public sealed record FeeHistory(ulong OldestBlock, IReadOnlyList<BigInteger> BaseFeePerGas, IReadOnlyList<BigInteger> Rewards, IReadOnlyList<bool> GasUsed)
{
    /// <summary>The base fee the node expects for the next block (the last entry).</summary>
    public BigInteger NextBaseFee => BaseFeePerGas.Count == 0 ? BigInteger.Zero : BaseFeePerGas[^1];
}

/// <summary>A log as eth_getLogs and receipts return it.</summary>
public sealed record EvmLog
{
    public required EvmAddress Address { get; init; }

    public required IReadOnlyList<Bytes32> Topics { get; init; }

    public required byte[] Data { get; init; }

    public required ulong BlockNumber { get; init; }

    public required Bytes32 BlockHash { get; init; }

    public required Bytes32 TransactionHash { get; init; }

    public required int LogIndex { get; init; }

    public bool Removed { get; init; }
}

/// <summary>A mined transaction's receipt.</summary>
public sealed record TransactionReceipt
{
    public required Bytes32 TransactionHash { get; init; }

    public required ulong BlockNumber { get; init; }

    public required Bytes32 BlockHash { get; init; }

    /// <summary>True for status 1 (success), false for a reverted transaction.</summary>
    public required bool Succeeded { get; init; }

    public required ulong GasUsed { get; init; }

    public required BigInteger EffectiveGasPrice { get; init; }

    public required EvmAddress From { get; init; }

    public EvmAddress? To { get; init; }

    public EvmAddress? ContractAddress { get; init; }

    public required IReadOnlyList<EvmLog> Logs { get; init; }
}

/// <summary>The eth_getLogs filter: an inclusive block range, one address, topic 0 alternatives and an optional topic 1 (e.g. one intent id).</summary>
public sealed record LogFilter(ulong FromBlock, ulong ToBlock, EvmAddress Address, IReadOnlyList<Bytes32>? Topic0 = null, Bytes32? Topic1 = null);

/// <summary>An eth_call / eth_estimateGas request.</summary>
public sealed record CallRequest(EvmAddress? To, byte[] Data)
{
    public EvmAddress? From { get; init; }

    public BigInteger? Value { get; init; }

    public ulong? Gas { get; init; }
}

/// <summary>One request of a JSON-RPC batch.</summary>
public sealed record RpcRequest(string Method, IReadOnlyList<object?> Parameters);

/// <summary>Block tags and numbers as JSON-RPC block parameters.</summary>
public static class BlockTag
{
    public const string Latest = "latest";
    public const string Pending = "pending";
    public const string Safe = "safe";
    public const string Finalized = "finalized";

    public static string Number(ulong number) => Encoding.Hex.EncodeQuantity(number);
}
