using System.Buffers.Binary;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>
/// The EIP-712 digest a threshold of the current signers sign to change the signer set (protocol v2, rule 5):
/// struct <c>SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)</c> under the same
/// domain as <see cref="Eip712LegDigest"/>. The array member is hashed as keccak256 of its 32-byte-padded elements.
/// </summary>
internal static class Eip712SignerSetDigest
{
    public const string SignerSetType = "SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)";

    public static readonly Bytes32 SignerSetTypeHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(SignerSetType));

    /// <summary>keccak256(abi.encode(SIGNER_SET_TYPEHASH, version, keccak256(signers padded), threshold, activatesAt)).</summary>
    public static Bytes32 StructHash(ulong version, IReadOnlyList<EvmAddress> signers, byte threshold, ulong activatesAt)
    {
        ArgumentNullException.ThrowIfNull(signers);
        var padded = new byte[signers.Count * 32];
        for (var i = 0; i < signers.Count; i++)
        {
            signers[i].CopyTo(padded.AsSpan((i * 32) + 12));
        }

        Span<byte> encoded = stackalloc byte[5 * 32];
        encoded.Clear();
        SignerSetTypeHash.CopyTo(encoded);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[56..], version);
        Keccak256.Hash(padded).CopyTo(encoded[64..]);
        encoded[127] = threshold;
        BinaryPrimitives.WriteUInt64BigEndian(encoded[152..], activatesAt);
        return Keccak256.Hash(encoded);
    }

    public static Bytes32 Compute(ChainId chainId, EvmAddress escrow, ulong version, IReadOnlyList<EvmAddress> signers, byte threshold, ulong activatesAt) =>
        Eip712LegDigest.TypedDataHash(Eip712LegDigest.DomainSeparator(chainId, escrow), StructHash(version, signers, threshold, activatesAt));
}
