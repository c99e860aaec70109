using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// One start-up check of a chain through its adapter's client: the RPC answers for the configured chain id (EVM:
/// eth_chainId) and the escrow is one (EVM: code at its address; Solana: the program's config account, whose chain id
/// must be the configured one).
/// </summary>
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
                    throw new ChainMismatchException($"chain '{chain.Name}': {options.Rpc.Url} reports chain id {reported}, but Chains:{chain.Index}:ChainId is {chain.Options.ChainId}.");
                }

                var code = await rpc.RequestAsync("eth_getCode", [options.Escrow.ToString(), "latest"], cancellationToken).ConfigureAwait(false);
                if (code.GetString() is null or "0x" or "0x0")
                {
                    throw new ChainMismatchException($"chain '{chain.Name}': the escrow address {options.Escrow} (Chains:{chain.Index}) holds no contract on chain id {reported}; it is not an escrow.");
                }
            });
        }

        var cluster = SolanaCluster.Create(chain.Name, chain.Solana!, http, loggers, time);
        return new ChainProbe(chain, cancellationToken => CheckSolanaEscrowAsync(chain, cluster, cancellationToken));
    }

    /// <summary>
    /// Reads the escrow program's config account: it must exist, be owned by the program, decode as an escrow config
    /// and name the configured chain id; anything else is a configuration error naming the chain and the address.
    /// </summary>
    private static async Task CheckSolanaEscrowAsync(ConfiguredChain chain, SolanaCluster cluster, CancellationToken cancellationToken)
    {
        var program = Base58.EncodeKey(cluster.Escrow.ProgramId);
        var configAddress = Base58.EncodeKey(cluster.Escrow.Config);
        var where = $"chain '{chain.Name}': the escrow program {program} (Chains:{chain.Index})";
        var account = await cluster.Rpc.GetAccountInfoAsync(cluster.Escrow.Config, chain.Solana!.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new ChainMismatchException($"{where} has no config account at {configAddress} on {chain.RpcUrl}; it is not an initialised escrow.");
        if (account.Owner != cluster.Escrow.ProgramId)
        {
            throw new ChainMismatchException($"{where}: its config address {configAddress} is owned by {Base58.EncodeKey(account.Owner)}, not the program; it is not an escrow.");
        }

        EscrowConfig config;
        try
        {
            config = EscrowConfig.Decode(account.Data);
        }
        catch (FormatException ex)
        {
            throw new ChainMismatchException($"{where}: its config account {configAddress} is not an escrow config: {ex.Message}");
        }

        if (config.ChainId != chain.Options.Chain)
        {
            throw new ChainMismatchException($"{where} is configured for chain id {config.ChainId.Value}, but Chains:{chain.Index}:ChainId is {chain.Options.ChainId}.");
        }
    }
}

/// <summary>
/// The chain's RPC or escrow is not what the configuration names (another chain id, an address that is not an
/// escrow): a configuration error, never retried; the node stops start-up with exit code 2 and this message.
/// </summary>
internal sealed class ChainMismatchException(string message) : Exception(message);
