using DiscreteExec.Adapters.Evm.Rpc;

namespace DiscreteExec.Adapters.Evm.Configuration;

/// <summary>
/// Start-up checks: the configured node serves the configured chain and the escrow is deployed there (watcher and
/// submitter); the gas budget fits the chain's blocks (submitter only: a settlement setting must never stop intake).
/// </summary>
internal static class EvmChainGuard
{
    public static async Task EnsureChainAsync(this IEvmRpc rpc, EvmChainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(options);
        var actual = await rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (actual != options.ChainId)
        {
            throw new InvalidOperationException($"ChainId: the node at {options.Rpc.Url} serves chain {actual}, the configuration says {options.ChainId}.");
        }

        var code = await rpc.RequestAsync("eth_getCode", [options.Escrow.ToLowerHex(), BlockTag.Latest], cancellationToken).ConfigureAwait(false);
        if (code.GetString() is null or "0x")
        {
            throw new InvalidOperationException($"EscrowAddress: no contract at {options.Escrow} on chain {actual}.");
        }
    }

    /// <summary>
    /// Start-up check that a chunk at the gas budget fits well inside the chain's blocks: <c>MaxGasPerChunk</c> at most
    /// <c>MaxBlockGasSharePercent</c> of the latest block's gas limit (a node that reports no gas limit is not checked).
    /// </summary>
    public static async Task EnsureBlockGasLimitAsync(this IEvmRpc rpc, EvmChainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(options);
        var latest = await rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Rpc:Url: the node at {options.Rpc.Url} returned no latest block.");
        CheckBlockGasLimit(options, latest.GasLimit, latest.Number);
    }

    internal static void CheckBlockGasLimit(EvmChainOptions options, ulong blockGasLimit, ulong blockNumber)
    {
        if (blockGasLimit == 0)
        {
            return;
        }

        if ((System.Numerics.BigInteger)options.MaxGasPerChunk * 100 > (System.Numerics.BigInteger)blockGasLimit * options.MaxBlockGasSharePercent)
        {
            throw new InvalidOperationException(
                $"{nameof(options.MaxGasPerChunk)}: {options.MaxGasPerChunk} is more than {nameof(options.MaxBlockGasSharePercent)} {options.MaxBlockGasSharePercent}% of chain {options.ChainId}'s block gas limit " +
                $"{blockGasLimit} (block {blockNumber}), so a chunk at the budget would not fit a block beside other traffic. Lower {nameof(options.MaxGasPerChunk)} to at most " +
                $"{(System.Numerics.BigInteger)blockGasLimit * options.MaxBlockGasSharePercent / 100} on every node of the deployment (chunk boundaries depend on it).");
        }
    }
}
