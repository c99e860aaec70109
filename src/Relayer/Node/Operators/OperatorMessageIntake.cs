using System.Security.Cryptography;
using System.Text.Json;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// The gate between the bus and <see cref="IOperatorMessageStore"/>: what any publisher on the shared exchange sends
/// is checked before it is kept, so that a forged message can neither take a real one's place nor stop the epoch loop.
/// A manifest is kept only when it is well formed, its proposer id is the operator at its index and it is signed by
/// that operator's EVM key (<see cref="ManifestSignatures"/>); an attestation
/// only when its signer is that chain's signer of some operator and its signature over its digest is that signer's.
/// Each answers why it dropped a message, or null when it kept it.
/// </summary>
internal sealed class OperatorMessageIntake(OperatorSeat seat)
{
    public async Task<string?> ProposalAsync(EpochProposed proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var fault = ProposalFault(seat, proposal);
        if (fault is null)
        {
            await seat.Messages.SaveProposalAsync(proposal, cancellationToken).ConfigureAwait(false);
        }

        return fault;
    }

    public async Task<string?> AttestationAsync(LegAttested attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        var fault = AttestationFault(seat, attestation);
        if (fault is null)
        {
            await seat.Messages.SaveAttestationAsync(attestation, cancellationToken).ConfigureAwait(false);
        }

        return fault;
    }

    /// <summary>
    /// The manifest's whole content (SHA-256 of its JSON, hex): what tells a forged copy that states a real manifest's
    /// hash apart from the real one, for the store's field and the loop's memory of refused manifests.
    /// </summary>
    public static string Fingerprint(EpochProposed proposal) =>
        Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(proposal)));

    /// <summary>Why a manifest cannot be the proposal of the operator it names (malformed, another operator's index, not signed by that operator), or null.</summary>
    public static string? ProposalFault(OperatorSeat seat, EpochProposed proposal)
    {
        ArgumentNullException.ThrowIfNull(seat);
        ArgumentNullException.ThrowIfNull(proposal);
        if (ManifestVerifier.Malformation(proposal) is { } malformed)
        {
            return $"malformed manifest of proposer index {proposal.ProposerIndex}: {malformed.Proposed} ({malformed.Subject})";
        }

        if (proposal.ProposerIndex < 0 || proposal.ProposerIndex >= seat.Count)
        {
            return $"proposer index {proposal.ProposerIndex} is not in the operator set of {seat.Count}";
        }

        var expected = seat.OperatorIds[proposal.ProposerIndex];
        return string.Equals(expected, proposal.ProposerId, StringComparison.Ordinal)
            ? seat.Manifests.Fault(proposal)
            : $"manifest names proposer '{proposal.ProposerId}' at index {proposal.ProposerIndex}, where the operator is '{expected}' ({ManifestFault.WrongProposer})";
    }

    /// <summary>Why an attestation is not a configured operator signer's signature over its digest, or null.</summary>
    public static string? AttestationFault(OperatorSeat seat, LegAttested attestation)
    {
        ArgumentNullException.ThrowIfNull(seat);
        ArgumentNullException.ThrowIfNull(attestation);
        if (attestation.Signer is null || attestation.Signature is null)
        {
            return "attestation without a signer or a signature";
        }

        if (!seat.Signers.TryGetValue(attestation.ChainId, out var signers) || !seat.Attestors.TryGetValue(attestation.ChainId, out var attestor))
        {
            return $"attestation on chain {attestation.ChainId}, which this node does not settle";
        }

        var signer = signers.FirstOrDefault(s => string.Equals(s, attestation.Signer, StringComparison.OrdinalIgnoreCase));
        if (signer is null)
        {
            return $"signer {attestation.Signer} is no operator's signer on chain {attestation.ChainId}";
        }

        return attestor.Verifies(attestation, signer)
            ? null
            : $"the signature of chunk {attestation.Chunk} on chain {attestation.ChainId} (digest {attestation.Digest}) is not {signer}'s";
    }
}
