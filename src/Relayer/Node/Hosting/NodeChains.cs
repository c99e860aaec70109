using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>One configured chain's adapter (watcher, submitter, escrow state) under its configured name.</summary>
internal sealed record NodeChainAdapter(ConfiguredChain Configured, IChainAdapter Adapter)
{
    public string Name => Configured.Name;

    public ChainId ChainId => Adapter.ChainId;

    public NodeChain ForEpochLoop => new(Adapter.ChainId, Adapter.Submitter, Adapter.State);
}

/// <summary>
/// Every configured chain's adapter, built once from the validated options through the adapters' one entry point
/// (<see cref="EvmChain.Connect"/>, <see cref="SolanaChain.Connect"/>). Building does no network I/O: an unreachable
/// RPC shows up later, in the chain's start-up check and its watcher's retries, never as a failed start.
/// </summary>
internal sealed class NodeChains : IDisposable
{
    private NodeChains(IReadOnlyList<NodeChainAdapter> chains) => All = chains;

    public IReadOnlyList<NodeChainAdapter> All { get; }

    /// <summary>The chains as the epoch loop takes them.</summary>
    public IReadOnlyList<NodeChain> ForEpochLoop => [.. All.Select(c => c.ForEpochLoop)];

    /// <summary>
    /// Builds every chain's adapter; <paramref name="coSigners"/> gives an EVM chain's other operators' signers (an
    /// operator set), asked after this node's own keys; <paramref name="solanaCoSigners"/> a Solana chain's other
    /// operators, asked to co-sign each settle message; <paramref name="ownEvmSigner"/> wraps this node's own EVM keys.
    /// </summary>
    public static NodeChains Connect(
        IReadOnlyList<ConfiguredChain> configured, HttpClient http, ILoggerFactory loggers, TimeProvider time,
        Func<ConfiguredChain, IReadOnlyList<Adapters.Evm.Submission.ILegSigner>>? coSigners = null,
        Func<ConfiguredChain, Adapters.Solana.CoSigning.ISettleCoSigners>? solanaCoSigners = null,
        Func<Adapters.Evm.Submission.ILegSigner, Adapters.Evm.Submission.ILegSigner>? ownEvmSigner = null)
    {
        ArgumentNullException.ThrowIfNull(configured);
        var built = new List<NodeChainAdapter>(configured.Count);
        try
        {
            foreach (var chain in configured)
            {
                IChainAdapter adapter = chain.Kind switch
                {
                    ChainKind.Evm => EvmChain.Connect($"Chains:{chain.Index}:{ChainAdapterOptions.SectionName}", chain.Evm!, http, loggers, time, coSigners: coSigners?.Invoke(chain), ownSigner: ownEvmSigner),
                    ChainKind.Solana => SolanaChain.Connect(chain.Name, chain.Solana!, http, loggers, time, coSigners: solanaCoSigners?.Invoke(chain)),
                    _ => throw new NodeConfigurationException("node configuration", [$"Chains:{chain.Index}:Kind: '{chain.Kind}' is not a chain kind."]),
                };
                built.Add(new NodeChainAdapter(chain, adapter));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            // A key that does not parse, or options the adapter refuses: a configuration error naming the key.
            DisposeAll(built);
            throw new NodeConfigurationException("node configuration", [ex.Message]);
        }
        catch
        {
            DisposeAll(built);
            throw;
        }

        return new NodeChains(built);
    }

    public void Dispose() => DisposeAll(All);

    private static void DisposeAll(IEnumerable<NodeChainAdapter> chains)
    {
        foreach (var chain in chains)
        {
            (chain.Adapter as IDisposable)?.Dispose();
        }
    }
}
