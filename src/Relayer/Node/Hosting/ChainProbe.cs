using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>One start-up check of a chain's RPC through its adapter's client: it answers, and (EVM) reports the configured chain id.</summary>
internal sealed class ChainProbe
{
    private readonly Func<CancellationToken, Task> _probe;

    private ChainProbe(ConfiguredChain chain, Func<CancellationToken, Task> probe)
    {
        Chain = chain;
        _probe = probe;
    }

    public ConfiguredChain Chain { get; }

    public Task ProbeAsync(CancellationToken cancellationToken) => _probe(cancellationToken);

    /// <summary>A probe over the adapter's own client, with the adapter's retries off: the start-up loop retries with its own backoff.</summary>
    public static ChainProbe Create(ConfiguredChain chain, HttpClient http, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Kind == ChainKind.Evm)
        {
            var options = chain.Evm!;
            var rpc = new EvmRpcClient(
                http,
                RpcEndpoint.Of(options),
                new ChainRpcOptions { Url = options.Rpc.Url, MaxRetryAttempts = 0, AttemptTimeout = options.Rpc.AttemptTimeout, CircuitBreakAfter = int.MaxValue },
                IntentEscrowAbi.Abi,
                loggers.CreateLogger<EvmRpcClient>(),
                time);
            return new ChainProbe(chain, async cancellationToken =>
            {
                var reported = await rpc.ChainIdAsync(cancellationToken).ConfigureAwait(false);
                if (reported != chain.Options.ChainId)
                {
                    throw new ChainMismatchException($"{options.Rpc.Url} reports chain id {reported}, but Chains:{chain.Index}:ChainId is {chain.Options.ChainId}.");
                }
            });
        }

        var cluster = SolanaCluster.Create(chain.Name, chain.Solana!, http, loggers, time);
        return new ChainProbe(chain, cancellationToken => cluster.Rpc.GetSlotAsync(chain.Solana!.Commitment, cancellationToken));
    }
}

/// <summary>The RPC answers for another chain than the configured one: retried like an outage, and logged as such.</summary>
internal sealed class ChainMismatchException(string message) : Exception(message);
