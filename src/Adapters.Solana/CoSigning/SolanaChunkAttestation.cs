using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.CoSigning;

/// <summary>
/// An operator's off-chain attestation of one Solana chunk: its Ed25519 signature of a domain-separated digest of
/// (chain id, escrow program, epoch, chunk index, chunk hash, batch root). The escrow never sees it (it checks the
/// settle transaction's signers); the other operators count it to know the chunk reached a threshold and whom to ask
/// to co-sign. A 32-byte digest can never be a transaction message (one holds at least a header, a key and a
/// blockhash), so this signature can never be replayed as a transaction signature.
/// </summary>
public static class SolanaChunkAttestation
{
    private static readonly byte[] Domain = "DiscreteExec.SolanaChunkAttestation.v1"u8.ToArray();

    /// <summary>The digest an operator signs for <paramref name="chunk"/> on the escrow <paramref name="programId"/>.</summary>
    public static Bytes32 Digest(SettlementChunk chunk, Bytes32 programId)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var buffer = new byte[Domain.Length + 8 + 32 + 8 + 4 + 32 + 32];
        var span = buffer.AsSpan();
        Domain.CopyTo(span);
        var offset = Domain.Length;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[offset..], chunk.ChainId.Value);
        offset += 8;
        programId.CopyTo(span[offset..]);
        offset += 32;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(span[offset..], chunk.EpochId);
        offset += 8;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(span[offset..], chunk.Index);
        offset += 4;
        chunk.ChunkHash().CopyTo(span[offset..]);
        offset += 32;
        chunk.BatchRoot.CopyTo(span[offset..]);
        return Keccak256.Hash(buffer);
    }

    /// <summary>Whether <paramref name="signature"/> is <paramref name="signer"/>'s Ed25519 signature of <paramref name="digest"/>.</summary>
    public static bool Verifies(Bytes32 signer, Bytes32 digest, byte[]? signature) =>
        SignatureVerifies(signer, digest.ToArray(), signature);

    /// <summary>Whether <paramref name="signature"/> is a 64-byte Ed25519 signature of <paramref name="signed"/> by <paramref name="signer"/>.</summary>
    public static bool SignatureVerifies(Bytes32 signer, ReadOnlySpan<byte> signed, byte[]? signature) =>
        signature is { Length: Transaction.SignatureLength } && SolanaKeypair.Verify(signer, signed, signature);
}
