using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Another operator as the EVM submitter's remote signer: its attestation of the chunk as this node's store heard it
/// on the bus (checked by <see cref="CollectedLegSigner"/> against the exact chunk), or
/// <see cref="LegSignatureUnavailableException"/> when it has not attested it (the submitter leaves it out).
/// </summary>
internal sealed class StoredAttestationSigner(EvmAddress address, IOperatorMessageStore store) : ILegSigner
{
    public EvmAddress Address { get; } = address;

    public async Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var heard = await store.AttestationsAsync(chunk.EpochId, chunk.ChainId, chunk.Chunk, cancellationToken).ConfigureAwait(false);
        var attestation = heard.FirstOrDefault(a => EvmAddress.TryParse(a.Signer, out var signer) && signer == Address && a.Digest == chunk.Digest())
            ?? throw new LegSignatureUnavailableException($"Operator signer {Address} has not attested epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}.");
        return await new CollectedLegSigner(attestation).SignAsync(chunk, cancellationToken).ConfigureAwait(false);
    }

    public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Another operator's collected attestations never sign a signer set; each operator signs rotations with its own key.");
}
