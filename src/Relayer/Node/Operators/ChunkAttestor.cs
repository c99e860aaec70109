using DiscreteExec.Adapters.Evm.Submission;
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

    /// <summary>Whether the attestation's signature over its digest is the named signer's.</summary>
    bool Verifies(LegAttested attestation, string signer);
}

/// <summary>EVM: the own key's EIP-712 signature of the chunk under the escrow's current signer-set version.</summary>
internal sealed class EvmChunkAttestor(ChunkSubmitter submitter, ILegSigner own) : IChunkAttestor
{
    public ChainId ChainId => submitter.ChainId;

    public async Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
        await EvmAttestation.SignAsync(own, await submitter.ChunkToSignAsync(chunk, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    public bool Verifies(LegAttested attestation, string signer) => ChunkAttestations.EvmSignatureVerifies(attestation, signer);
}
