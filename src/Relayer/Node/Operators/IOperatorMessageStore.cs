using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// What a node heard from the other operators, kept in its own store so that it survives a restart: manifests by
/// epoch, proposer index, manifest hash and content, attestations by epoch, chain, chunk, signer and digest. The first message
/// of each key is kept (a redelivery changes nothing); a message of another content or digest is kept beside it, so a
/// forged one cannot take a real one's place and a re-signature under a new signer-set version is kept too. Callers
/// check what they store (<see cref="OperatorMessageIntake"/>) and what they read.
/// </summary>
internal interface IOperatorMessageStore
{
    Task SaveProposalAsync(EpochProposed proposal, CancellationToken cancellationToken);

    /// <summary>The manifests heard for the epoch, in proposer index order (then manifest hash).</summary>
    Task<IReadOnlyList<EpochProposed>> ProposalsAsync(ulong epochId, CancellationToken cancellationToken);

    Task SaveAttestationAsync(LegAttested attestation, CancellationToken cancellationToken);

    /// <summary>The attestations heard for one chunk, at most one per signer and digest.</summary>
    Task<IReadOnlyList<LegAttested>> AttestationsAsync(ulong epochId, ChainId chainId, uint chunk, CancellationToken cancellationToken);
}

/// <summary>Publishes this operator's messages to the others (the shared exchange).</summary>
internal interface IOperatorPublisher
{
    Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class;
}
