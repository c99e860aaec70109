using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Bench;

/// <summary>One operator's message store in memory, keyed as the Redis store keys it (for in-process seats: the operator bench and tests).</summary>
internal sealed class InMemoryOperatorMessages : IOperatorMessageStore
{
    private readonly ConcurrentDictionary<(ulong, int, Bytes32, string), EpochProposed> _proposals = new();
    private readonly ConcurrentDictionary<(ulong, ChainId, uint, string, Bytes32), LegAttested> _attestations = new();

    public Task SaveProposalAsync(EpochProposed proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        _proposals.TryAdd((proposal.EpochId, proposal.ProposerIndex, proposal.ManifestHash, OperatorMessageIntake.Fingerprint(proposal)), proposal);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<EpochProposed>> ProposalsAsync(ulong epochId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<EpochProposed>>([.. _proposals.Where(p => p.Key.Item1 == epochId).Select(p => p.Value).OrderBy(p => p.ProposerIndex).ThenBy(p => p.ManifestHash.ToString(), StringComparer.Ordinal)]);

    public Task SaveAttestationAsync(LegAttested attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        _attestations.TryAdd((attestation.EpochId, attestation.ChainId, attestation.Chunk, attestation.Signer.ToLowerInvariant(), attestation.Digest), attestation);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<LegAttested>> AttestationsAsync(ulong epochId, ChainId chainId, uint chunk, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<LegAttested>>([.. _attestations.Where(a => a.Key.Item1 == epochId && a.Key.Item2 == chainId && a.Key.Item3 == chunk).Select(a => a.Value)]);
}
