using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Another operator's EVM attestation, collected on the bus, handed to the EVM <see cref="ChunkSubmitter"/> as the
/// "remote signer" of its <see cref="ILegSigner"/> seam: it returns the collected signature only for the exact chunk
/// and signer-set version that operator signed, and refuses anything else (after a rotation the operators sign again).
/// </summary>
internal sealed class CollectedLegSigner : ILegSigner
{
    private readonly LegAttested _attestation;

    public CollectedLegSigner(LegAttested attestation)
    {
        _attestation = attestation ?? throw new ArgumentNullException(nameof(attestation));
        Address = EvmAddress.Parse(attestation.Signer);
    }

    public EvmAddress Address { get; }

    public Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.EpochId != _attestation.EpochId || chunk.Chunk != _attestation.Chunk || chunk.SignerSetVersion != _attestation.SignerSetVersion || chunk.Digest() != _attestation.Digest)
        {
            throw new ChunkSubmissionException(
                $"Epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}: operator signer {Address} signed epoch {_attestation.EpochId} chunk {_attestation.Chunk} under signer-set version {_attestation.SignerSetVersion} (digest {_attestation.Digest}); this chunk needs digest {chunk.Digest()} under version {chunk.SignerSetVersion}")
            {
                EpochId = chunk.EpochId,
                Chunk = chunk.Chunk,
            };
        }

        return Task.FromResult(EcdsaSignature.FromRsv(_attestation.Signature));
    }

    public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) =>
        throw new NotSupportedException("A collected chunk attestation never signs a signer set; each operator signs rotations with its own key.");
}
