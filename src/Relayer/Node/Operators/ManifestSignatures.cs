using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Proposer-signed manifests: the proposer signs (epoch id, round, its index, manifest hash) with its operator EVM key
/// (<see cref="Eip712ProposalDigest"/>, under a domain whose salt names the deployment and its operator set), and a
/// manifest counts as the proposal of the operator at its index only when that signature is in its one canonical form
/// (low s, v 27 or 28, as the escrows require) and recovers to the operator's configured address. The constructor
/// takes every operator's address by index, this operator's key (its address must be the one at its index) and the
/// domain's salt (<see cref="Eip712ProposalDigest.OperatorSetSalt"/>).
/// </summary>
internal sealed class ManifestSignatures
{
    private readonly EvmKey _own;
    private readonly IReadOnlyList<EvmAddress> _proposers;
    private readonly Bytes32 _domain;

    public ManifestSignatures(EvmKey own, int ownIndex, IReadOnlyList<EvmAddress> proposers, Bytes32 operatorSetSalt)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(proposers);
        ArgumentOutOfRangeException.ThrowIfNegative(ownIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ownIndex, proposers.Count);
        if (own.Address != proposers[ownIndex])
        {
            throw new ArgumentException($"The manifest key's address {own.Address} is not {proposers[ownIndex]}, the configured address of operator {ownIndex}.", nameof(own));
        }

        (_own, _proposers, _domain) = (own, proposers, Eip712ProposalDigest.DomainSeparator(operatorSetSalt));
    }

    /// <summary>The proposal with this operator's signature of its epoch, round, index and manifest hash.</summary>
    public EpochProposed Sign(EpochProposed proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentOutOfRangeException.ThrowIfNegative(proposal.ProposerIndex);
        var digest = Eip712ProposalDigest.Compute(_domain, proposal.EpochId, proposal.Round, (uint)proposal.ProposerIndex, proposal.ManifestHash);
        return proposal with { ProposerSignature = Secp256k1.NormalizeLowS(_own.SignHash(digest.ToArray())).ToRsv() };
    }

    /// <summary>Why the proposal is not signed by the operator at its index (no signature, a malformed one, another key's), or null.</summary>
    public string? Fault(EpochProposed proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        if (proposal.ProposerIndex < 0 || proposal.ProposerIndex >= _proposers.Count)
        {
            return $"proposer index {proposal.ProposerIndex} is not in the operator set of {_proposers.Count}";
        }

        var expected = _proposers[proposal.ProposerIndex];
        if (proposal.ProposerSignature is not { Length: 65 } signature)
        {
            return $"manifest of epoch {proposal.EpochId} at proposer index {proposal.ProposerIndex} carries no 65-byte proposer signature";
        }

        // One form only: a high-s twin or a v of 0/1 recovers the same key but is another message (another copy in the
        // store, which keys manifests by their whole content), and the escrows refuse both.
        var parsed = EcdsaSignature.FromRsv(signature);
        if (!Secp256k1.IsLowS(parsed) || signature[64] is not (27 or 28))
        {
            return $"the proposer signature of the manifest of epoch {proposal.EpochId} at index {proposal.ProposerIndex} is not in its canonical form (s above n/2, or v not 27 or 28)";
        }

        var digest = Eip712ProposalDigest.Compute(_domain, proposal.EpochId, proposal.Round, (uint)proposal.ProposerIndex, proposal.ManifestHash);
        EvmAddress signer;
        try
        {
            signer = EvmAddress.FromPublicKey(Secp256k1.Recover(digest.ToArray(), parsed));
        }
        catch (ArgumentException)
        {
            return $"the proposer signature of the manifest of epoch {proposal.EpochId} at index {proposal.ProposerIndex} does not recover to any key";
        }

        return signer == expected
            ? null
            : $"the manifest of epoch {proposal.EpochId} at proposer index {proposal.ProposerIndex} is signed by {signer}, not by that operator's {expected}";
    }
}
