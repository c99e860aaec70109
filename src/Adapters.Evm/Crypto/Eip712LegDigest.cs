using System.Buffers.Binary;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>
/// The EIP-712 digest EVM signers sign for one chunk of a leg (protocol v2, rule 6):
/// struct <c>Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)</c>
/// under the domain (name "DiscreteExec", version "1", chainId, verifyingContract = the escrow). The escrow refuses
/// a signature that names another signer-set version than its current one.
/// </summary>
internal static class Eip712LegDigest
{
    public const string LegType = "Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)";
    public const string DomainType = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
    public const string DomainName = "DiscreteExec";
    public const string DomainVersion = "1";

    public static readonly Bytes32 LegTypeHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(LegType));

    private static readonly Bytes32 DomainTypeHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainType));
    private static readonly Bytes32 NameHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainName));
    private static readonly Bytes32 VersionHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainVersion));

    /// <summary>keccak256(abi.encode(typeHash(domain), keccak("DiscreteExec"), keccak("1"), chainId, escrow)).</summary>
    public static Bytes32 DomainSeparator(ChainId chainId, EvmAddress escrow)
    {
        Span<byte> encoded = stackalloc byte[5 * 32];
        encoded.Clear();
        DomainTypeHash.CopyTo(encoded);
        NameHash.CopyTo(encoded[32..]);
        VersionHash.CopyTo(encoded[64..]);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[120..], chainId.Value);
        escrow.CopyTo(encoded[140..]);
        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(abi.encode(LEG_TYPEHASH, epochId, chunk, chunkHash, batchRoot, signerSetVersion)).</summary>
    public static Bytes32 StructHash(ulong epochId, uint chunk, Bytes32 chunkHash, Bytes32 batchRoot, ulong signerSetVersion)
    {
        Span<byte> encoded = stackalloc byte[6 * 32];
        encoded.Clear();
        LegTypeHash.CopyTo(encoded);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[56..], epochId);
        BinaryPrimitives.WriteUInt32BigEndian(encoded[92..], chunk);
        chunkHash.CopyTo(encoded[96..]);
        batchRoot.CopyTo(encoded[128..]);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[184..], signerSetVersion);
        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash).</summary>
    public static Bytes32 Compute(ChainId chainId, EvmAddress escrow, ulong epochId, uint chunk, Bytes32 chunkHash, Bytes32 batchRoot, ulong signerSetVersion) =>
        TypedDataHash(DomainSeparator(chainId, escrow), StructHash(epochId, chunk, chunkHash, batchRoot, signerSetVersion));

    /// <summary>keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash), shared by every struct of this domain.</summary>
    internal static Bytes32 TypedDataHash(Bytes32 domainSeparator, Bytes32 structHash)
    {
        Span<byte> encoded = stackalloc byte[66];
        encoded[0] = 0x19;
        encoded[1] = 0x01;
        domainSeparator.CopyTo(encoded[2..]);
        structHash.CopyTo(encoded[34..]);
        return Keccak256.Hash(encoded);
    }
}
