using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Core.Chains;

/// <summary>One chain's parts as its adapter builds them from the chain's options (<c>EvmChain.Connect</c>, <c>SolanaChain.Connect</c>).</summary>
public interface IChainAdapter
{
    ChainKind Kind { get; }

    ChainId ChainId { get; }

    /// <summary>Follows the chain's escrow; resumes from its checkpoint.</summary>
    IChainWatcher Watcher { get; }

    /// <summary>Applies this chain's chunks, each exactly once.</summary>
    IChunkSubmitter Submitter { get; }

    /// <summary>Reads the escrow's pools, intents and paid markers at the chain's finality.</summary>
    IEscrowState State { get; }
}
