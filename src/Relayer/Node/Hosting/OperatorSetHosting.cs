using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Solana;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
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
/// operators' collected attestations as its EVM submitters' co-signers, the other operators asked over the bus as
/// its Solana submitters' co-signers (and its answers to their requests), and its own bus queue. With N = 1 nothing
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
        services.AddSingleton<PendingCoSignatures>();
        services.AddSingleton(sp => Responder(set, sp.GetRequiredService<NodeChains>(), sp.GetRequiredService<IOperatorMessageStore>(), sp.GetRequiredService<IOperatorPublisher>()));
    }

    /// <summary>The other operators of a Solana chain, asked over the bus to co-sign each settle message (M - 1 of them).</summary>
    public static ISettleCoSigners SolanaCoSignersOf(OperatorSetOptions set, ConfiguredChain chain, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(services);
        return new BusSettleCoSigners(
            set.Operators[set.OwnIndex].Id, chain.Solana!.ProgramKey, [.. set.Operators.Where((_, index) => index != set.OwnIndex).Select(o => SignerOn(o, chain))],
            set.Threshold - 1, set.CoSignTimeout, services.GetRequiredService<IOperatorMessageStore>(), services.GetRequiredService<IOperatorPublisher>(),
            services.GetRequiredService<PendingCoSignatures>(), services.GetRequiredService<TimeProvider>(), services.GetRequiredService<IEpochStore>());
    }

    // This operator's answers to the others' co-sign requests, with its own attestor key on each Solana chain.
    private static SettleCoSignResponder Responder(OperatorSetOptions set, NodeChains chains, IOperatorMessageStore messages, IOperatorPublisher publisher)
    {
        var coSigners = new Dictionary<ChainId, SettleCoSigner>();
        foreach (var chain in chains.All)
        {
            if (chain.Adapter is SolanaChain solana)
            {
                Bytes32[] operators = [.. set.Operators.Select(o => Base58.DecodeKey(SignerOn(o, chain.Configured)))];
                coSigners[chain.ChainId] = new SettleCoSigner(solana.Cluster.Rpc, solana.Cluster.Options, solana.Attestors[0], operators);
            }
        }

        return new SettleCoSignResponder(set.Operators[set.OwnIndex].Id, coSigners, messages, publisher);
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
            else if (chain.Adapter is SolanaChain solana)
            {
                attestors[chain.ChainId] = new SolanaChunkAttestor(chain.ChainId, solana.Cluster.Escrow.ProgramId, solana.Attestors[0]);
            }
        }

        var mismatches = OwnKeyMismatches(set, [.. chains.All.Select(c => new OwnKey(c.Configured.Index, c.Configured.Name, c.Configured.Kind, KeyAddressOf(c)))]);
        if (mismatches.Count > 0)
        {
            throw new NodeConfigurationException("node configuration", mismatches);
        }

        return new OperatorSeat(
            set.OwnIndex, own.Id, [.. set.Operators.Select(o => o.Id)], set.Threshold, set.ProposalTimeout,
            new ManifestVerifier(own.Id, loopOptions.Assets, set.PriceToleranceBps, TermsOf(loopOptions, set)), signers, attestors, messages, publisher,
            ManifestSignaturesOf(set, chains));
    }

    // The proposer signs its manifests with its attestor key of the manifest chain (below); the others check them
    // against each operator's signer on that chain (the validator requires an EVM chain in an operator set).
    private static ManifestSignatures ManifestSignaturesOf(OperatorSetOptions set, NodeChains chains)
    {
        var chain = ManifestChainOf([.. chains.All.Select(c => c.Configured)]);
        var key = ChainKeySource.Load(chain.Evm!.Signers.FirstOrDefault(), $"Chains:{chain.Index}:Keys:Attestors:0", "a hex secp256k1 private key", EvmKey.FromHex);
        EvmAddress[] proposers = [.. set.Operators.Select(o => EvmAddress.Parse(SignerOn(o, chain)))];
        return new ManifestSignatures(key, set.OwnIndex, proposers, Eip712ProposalDigest.OperatorSetSalt(chain.Evm.ChainId, chain.Evm.Escrow, set.Threshold, proposers));
    }

    /// <summary>
    /// The EVM chain whose keys sign manifests and whose escrow names the manifest domain: the one with the lowest chain
    /// id, so that operators listing their chains in different orders still sign and check under the same keys and
    /// domain (the first in config order would make two such nodes refuse each other's manifests).
    /// </summary>
    internal static ConfiguredChain ManifestChainOf(IReadOnlyList<ConfiguredChain> configured) =>
        configured.Where(c => c.Kind == ChainKind.Evm).MinBy(c => c.Options.ChainId)
            ?? throw new NodeConfigurationException("node configuration", [$"{OperatorSetOptions.SectionName}: an operator set needs an EVM chain (the proposer signs its manifests with its EVM key)."]);

    /// <summary>This node's attestor key on one chain, as the adapter read it (EVM: its address; Solana: its base58 public key).</summary>
    internal sealed record OwnKey(int ChainIndex, string ChainName, ChainKind Kind, string? Address);

    /// <summary>
    /// Each chain's attestor key must be the signer <c>OperatorSet</c> names for this node's operator on that chain:
    /// a node holding another key would sign for a seat that is not its own (and its signatures would not count).
    /// </summary>
    internal static IReadOnlyList<string> OwnKeyMismatches(OperatorSetOptions set, IReadOnlyList<OwnKey> keys)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(keys);
        var own = set.Operators[set.OwnIndex];
        var failures = new List<string>();
        foreach (var key in keys)
        {
            var configured = own.Signers.FirstOrDefault(s => s.Chain == key.ChainName)?.Address;
            var same = key.Kind == ChainKind.Evm
                ? configured is not null && key.Address is not null && EvmAddress.Parse(configured) == EvmAddress.Parse(key.Address)
                : string.Equals(configured, key.Address, StringComparison.Ordinal);
            if (!same)
            {
                failures.Add(
                    $"Chains:{key.ChainIndex}:Keys:Attestors:0: the key's signer {key.Address ?? "(none)"} is not {configured ?? "(none)"}, operator '{own.Id}''s signer on chain '{key.ChainName}' "
                    + $"({OperatorSetOptions.SectionName}:Operators:{set.OwnIndex}:Signers, OwnIndex {set.OwnIndex}); each node signs with its own operator's key only.");
            }
        }

        return failures;
    }

    private static string? KeyAddressOf(NodeChainAdapter chain) => chain.Adapter switch
    {
        SolanaChain solana => solana.Attestors.Count > 0 ? Base58.EncodeKey(solana.Attestors[0].PublicKey) : null,
        _ => chain.Adapter.Submitter is ChunkSubmitter { Signers.Count: > 0 } submitter ? submitter.Signers[0].Address.ToString() : null,
    };

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
