using DiscreteExec.Adapters.Evm.Rpc;

namespace DiscreteExec.Adapters.Evm.Configuration;

/// <summary>Start-up check that the configured node serves the configured chain and the escrow is deployed there.</summary>
public static class EvmChainGuard
{
    public static async Task EnsureChainAsync(this IEvmRpc rpc, EvmChainOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(options);
        var actual = await rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
        if (actual != (ulong)options.ChainId)
        {
            throw new InvalidOperationException($"ChainId: the node at {options.RpcUrl} serves chain {actual}, the configuration says {options.ChainId}.");
        }

        var code = await rpc.RequestAsync("eth_getCode", [options.Escrow.ToLowerHex(), BlockTag.Latest], cancellationToken).ConfigureAwait(false);
        if (code.GetString() is null or "0x")
        {
            throw new InvalidOperationException($"EscrowAddress: no contract at {options.Escrow} on chain {actual}.");
        }
    }
}
