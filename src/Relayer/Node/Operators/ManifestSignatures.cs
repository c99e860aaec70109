using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Proposer-signed manifests: the proposer signs (epoch id, its index, manifest hash) with its operator EVM key
/// (<see cref="Eip712ProposalDigest"/>, a domain of no chain), and a manifest counts as the proposal of the operator at
/// its index only when that signature recovers to the operator's configured address. The constructor takes
/// every operator's address by index and this operator's key (its address must be the one
/// at its index).
/// </summary>
internal sealed class ManifestSignatures
{
    private readonly EvmKey _own;
    private readonly IReadOnlyList<EvmAddress> _proposers;

    public ManifestSignatures(EvmKey own, int ownIndex, IReadOnlyList<EvmAddress> proposers)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(proposers);
        ArgumentOutOfRangeException.ThrowIfNegative(ownIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ownIndex, proposers.Count);
        if (own.Address != proposers[ownIndex])
        {
            throw new ArgumentException($"The manifest key's address {own.Address} is not {proposers[ownIndex]}, the configured address of operator {ownIndex}.", nameof(own));
        }

        (_own, _proposers) = (own, proposers);
    }

    /// <summary>The proposal with this operator's signature of its epoch, index and manifest hash.</summary>
    public EpochProposed Sign(EpochProposed proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        ArgumentOutOfRangeException.ThrowIfNegative(proposal.ProposerIndex);
        var digest = Eip712ProposalDigest.Compute(proposal.EpochId, (uint)proposal.ProposerIndex, proposal.ManifestHash);
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

        var digest = Eip712ProposalDigest.Compute(proposal.EpochId, (uint)proposal.ProposerIndex, proposal.ManifestHash);
        EvmAddress signer;
        try
        {
            signer = EvmAddress.FromPublicKey(Secp256k1.Recover(digest.ToArray(), EcdsaSignature.FromRsv(signature)));
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
