using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// What a node heard from the other operators, kept in its own store so that it survives a restart: manifests by
/// epoch and proposer index, attestations by epoch, chain, chunk and signer. The first message of each key is kept
/// (a redelivery or a second, different message from the same operator changes nothing).
/// </summary>
internal interface IOperatorMessageStore
{
    Task SaveProposalAsync(EpochProposed proposal, CancellationToken cancellationToken);

    /// <summary>The manifests heard for the epoch, in proposer index order.</summary>
    Task<IReadOnlyList<EpochProposed>> ProposalsAsync(ulong epochId, CancellationToken cancellationToken);

    Task SaveAttestationAsync(LegAttested attestation, CancellationToken cancellationToken);

    /// <summary>The attestations heard for one chunk, at most one per signer.</summary>
    Task<IReadOnlyList<LegAttested>> AttestationsAsync(ulong epochId, ChainId chainId, uint chunk, CancellationToken cancellationToken);
}

/// <summary>Publishes this operator's messages to the others (the shared exchange).</summary>
internal interface IOperatorPublisher
{
    Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class;
}
