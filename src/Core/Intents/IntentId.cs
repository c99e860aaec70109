using System.Buffers.Binary;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Core.Intents;

/// <summary>
/// The intent id both escrows compute on-chain: keccak256 over 96 bytes — the origin chain id as a
/// 32-byte big-endian integer, the escrow's 32-byte address, the deposit nonce as a 32-byte big-endian integer.
/// </summary>
public static class IntentId
{
    public static Bytes32 Compute(ChainId originChainId, Bytes32 escrow, ulong depositNonce)
    {
        Span<byte> preimage = stackalloc byte[96];
        preimage.Clear();
        BinaryPrimitives.WriteUInt64BigEndian(preimage[24..], originChainId.Value);
        escrow.CopyTo(preimage[32..]);
        BinaryPrimitives.WriteUInt64BigEndian(preimage[88..], depositNonce);
        return Keccak256.Hash(preimage);
    }
}
