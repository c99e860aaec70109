using DiscreteExec.Chains.Rpc;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Reads the history of every escrow a node configuration names, through each chain's JSON-RPC endpoint only (no
/// keys, no store, no watcher): what <c>relayer check</c> and the devnet run hand to <see cref="ChainChecker"/>.
/// </summary>
internal static class ChainHistoryReading
{
    public static async Task<ChainHistory> ReadAsync(
        LoadedNodeConfiguration configuration, bool drained, HttpClient http, ILoggerFactory loggers, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(loggers);
        var escrows = new List<EscrowHistory>();
        foreach (var chain in configuration.Chains)
        {
            escrows.Add(chain.Kind switch
            {
                ChainKind.Evm => await new EvmHistoryReader(EvmRpc(chain, http, loggers, time), chain.Evm!, toHead: drained).ReadAsync(cancellationToken).ConfigureAwait(false),
                ChainKind.Solana => await new SolanaHistoryReader(new SolanaRpcClient(http, chain.Solana!, loggers.CreateLogger<SolanaRpcClient>(), time), chain.Solana!)
                    .ReadAsync(cancellationToken).ConfigureAwait(false),
                _ => throw new NodeConfigurationException("node configuration", [$"Chains:{chain.Index}:Kind: '{chain.Kind}' is not a chain kind."]),
            });
        }

        return new ChainHistory(escrows, drained);
    }

    private static EvmRpcClient EvmRpc(ConfiguredChain chain, HttpClient http, ILoggerFactory loggers, TimeProvider time)
    {
        var options = chain.Evm!;
        return new EvmRpcClient(http, RpcEndpoint.Of(options), options.Rpc, IntentEscrowAbi.Abi, loggers.CreateLogger<EvmRpcClient>(), time);
    }
}
