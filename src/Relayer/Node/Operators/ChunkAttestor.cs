using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using SolanaSigner = DiscreteExec.Adapters.Solana.Settlement.ITransactionSigner;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>This operator's attestation of a chunk on one chain, and the check of another operator's.</summary>
internal interface IChunkAttestor
{
    ChainId ChainId { get; }

    /// <summary>This operator's own signed attestation of the chunk as its escrow verifies it now.</summary>
    Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken);

    /// <summary>The digest an operator's attestation of the chunk signs now (what <see cref="AttestAsync"/> would sign), signing nothing.</summary>
    Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken);

    /// <summary>Whether the attestation's signature over its digest is the named signer's.</summary>
    bool Verifies(LegAttested attestation, string signer);
}

/// <summary>EVM: the own key's EIP-712 signature of the chunk under the escrow's current signer-set version.</summary>
internal sealed class EvmChunkAttestor(ChunkSubmitter submitter, ILegSigner own) : IChunkAttestor
{
    public ChainId ChainId => submitter.ChainId;

    public async Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
        await EvmAttestation.SignAsync(own, await submitter.ChunkToSignAsync(chunk, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public async Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
        (await submitter.ChunkToSignAsync(chunk, cancellationToken).ConfigureAwait(false)).Digest();

    public bool Verifies(LegAttested attestation, string signer) => ChunkAttestations.EvmSignatureVerifies(attestation, signer);
}

/// <summary>
/// Solana: the own attestor key's Ed25519 signature of the chunk's attestation digest (<see cref="SolanaChunkAttestation"/>).
/// The escrow checks the settle transaction's signers instead; this attestation tells the others the chunk is
/// attested and that this operator will co-sign its settle when asked.
/// </summary>
internal sealed class SolanaChunkAttestor(ChainId chainId, Bytes32 programId, SolanaSigner own) : IChunkAttestor
{
    public ChainId ChainId => chainId;

    public async Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var digest = SolanaChunkAttestation.Digest(chunk, programId);
        return new LegAttested
        {
            EpochId = chunk.EpochId,
            ChainId = chunk.ChainId,
            Chunk = chunk.Index,
            BatchRoot = chunk.BatchRoot,
            Digest = digest,
            Signer = Base58.EncodeKey(own.PublicKey),
            Signature = await own.SignAsync(digest.ToArray(), cancellationToken).ConfigureAwait(false),
        };
    }

    public Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
        Task.FromResult(SolanaChunkAttestation.Digest(chunk ?? throw new ArgumentNullException(nameof(chunk)), programId));

    public bool Verifies(LegAttested attestation, string signer)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        return Base58.TryDecodeKey(signer, out var key) && SolanaChunkAttestation.Verifies(key, attestation.Digest, attestation.Signature);
    }
}
