using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>This operator's attestation of one EVM chunk: its own key's EIP-712 signature (low s) as a <see cref="LegAttested"/>.</summary>
internal static class EvmAttestation
{
    public static async Task<LegAttested> SignAsync(ILegSigner own, LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(own);
        ArgumentNullException.ThrowIfNull(chunk);
        var signature = Secp256k1.NormalizeLowS(await own.SignAsync(chunk, cancellationToken).ConfigureAwait(false));
        return new LegAttested
        {
            EpochId = chunk.EpochId,
            ChainId = chunk.ChainId,
            Chunk = chunk.Chunk,
            BatchRoot = chunk.BatchRoot,
            Digest = chunk.Digest(),
            Signer = own.Address.ToString(),
            Signature = signature.ToRsv(),
            SignerSetVersion = chunk.SignerSetVersion,
        };
    }
}
