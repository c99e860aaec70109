using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// The node as one operator of a set of N &gt; 1 (<c>OperatorSet</c>): its seat for the epoch loop, the other
/// operators' collected attestations as its EVM submitters' co-signers, and its own bus queue. With N = 1 nothing
/// here is registered and the node attests alone with its configured keys.
/// </summary>
internal static class OperatorSetHosting
{
    /// <summary>This node's own operator queue: every node binds one to the shared exchanges of the operator messages.</summary>
    public static string? QueueOf(NodeOptions options) =>
        options.OperatorSet.IsShared ? $"operator-{options.Node.NodeId}" : null;

    public static void Add(IServiceCollection services, LoadedNodeConfiguration configuration, EpochLoopOptions loopOptions)
    {
        var set = configuration.Options.OperatorSet;
        if (!set.IsShared)
        {
            return;
        }

        services.AddSingleton<IOperatorMessageStore, RedisOperatorMessageStore>();
        services.AddSingleton(sp => Seat(
            configuration, loopOptions, sp.GetRequiredService<NodeChains>(), sp.GetRequiredService<IOperatorMessageStore>(), sp.GetRequiredService<IOperatorPublisher>()));
        services.AddSingleton(sp => new OperatorMessageIntake(sp.GetRequiredService<OperatorSeat>()));
    }

    /// <summary>The other operators' signers of an EVM chain, answering from the attestations this node heard.</summary>
    public static IReadOnlyList<ILegSigner> CoSignersOf(OperatorSetOptions set, ConfiguredChain chain, IOperatorMessageStore messages)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(chain);
        return [.. set.Operators
            .Where((_, index) => index != set.OwnIndex)
            .Select(o => new StoredAttestationSigner(EvmAddress.Parse(SignerOn(o, chain)), messages))];
    }

    private static OperatorSeat Seat(LoadedNodeConfiguration configuration, EpochLoopOptions loopOptions, NodeChains chains, IOperatorMessageStore messages, IOperatorPublisher publisher)
    {
        var set = configuration.Options.OperatorSet;
        var own = set.Operators[set.OwnIndex];
        var signers = new Dictionary<ChainId, IReadOnlyList<string>>();
        var attestors = new Dictionary<ChainId, IChunkAttestor>();
        foreach (var chain in chains.All)
        {
            signers[chain.ChainId] = [.. set.Operators.Select(o => SignerOn(o, chain.Configured))];
            if (chain.Configured.Kind == ChainKind.Evm && chain.Adapter.Submitter is ChunkSubmitter submitter)
            {
                attestors[chain.ChainId] = new EvmChunkAttestor(submitter, submitter.Signers[0]);
            }
        }

        return new OperatorSeat(
            set.OwnIndex, own.Id, [.. set.Operators.Select(o => o.Id)], set.Threshold, set.ProposalTimeout,
            new ManifestVerifier(own.Id, loopOptions.Assets, set.PriceToleranceBps, TermsOf(loopOptions, set)), signers, attestors, messages, publisher,
            ManifestSignaturesOf(set, chains));
    }

    // The proposer signs its manifests with its attestor key of the first EVM chain; the others check them against
    // each operator's signer on that chain (the validator requires an EVM chain in an operator set).
    private static ManifestSignatures ManifestSignaturesOf(OperatorSetOptions set, NodeChains chains)
    {
        var chain = chains.All.Select(c => c.Configured).FirstOrDefault(c => c.Kind == ChainKind.Evm)
            ?? throw new NodeConfigurationException("node configuration", [$"{OperatorSetOptions.SectionName}: an operator set needs an EVM chain (the proposer signs its manifests with its EVM key)."]);
        var key = ChainKeySource.Load(chain.Evm!.Signers.FirstOrDefault(), $"Chains:{chain.Index}:Keys:Attestors:0", "a hex secp256k1 private key", EvmKey.FromHex);
        return new ManifestSignatures(key, set.OwnIndex, [.. set.Operators.Select(o => EvmAddress.Parse(SignerOn(o, chain)))]);
    }

    /// <summary>The terms this node holds every manifest to: its own fee, spread and margin, and its close-time tolerance.</summary>
    public static ManifestTerms TermsOf(EpochLoopOptions loopOptions, OperatorSetOptions set)
    {
        ArgumentNullException.ThrowIfNull(loopOptions);
        ArgumentNullException.ThrowIfNull(set);
        return new ManifestTerms(loopOptions.FeeBps, loopOptions.SpreadBps, loopOptions.SettlementMarginSeconds, set.EffectiveClosesAtTolerance);
    }

    private static string SignerOn(OperatorOptions member, ConfiguredChain chain) =>
        member.Signers.FirstOrDefault(s => s.Chain == chain.Name)?.Address
            ?? throw new NodeConfigurationException("node configuration", [$"{OperatorSetOptions.SectionName}: operator '{member.Id}' has no signer on chain '{chain.Name}'."]);
}
