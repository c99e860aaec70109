using System.Buffers.Binary;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>
/// The EIP-712 digest an operator set's proposer signs for its manifest of an epoch:
/// struct <c>EpochProposal(uint64 epochId,uint32 proposerIndex,bytes32 manifestHash)</c> under a domain that names no
/// chain and no contract (<c>EIP712Domain(string name,string version)</c>, name "DiscreteExec Operator Set", version
/// "1"): a manifest covers every chain, so its signature must not belong to any one of them. No escrow checks it; the
/// other operators do before they keep the manifest.
/// </summary>
public static class Eip712ProposalDigest
{
    public const string ProposalType = "EpochProposal(uint64 epochId,uint32 proposerIndex,bytes32 manifestHash)";
    public const string DomainType = "EIP712Domain(string name,string version)";
    public const string DomainName = "DiscreteExec Operator Set";
    public const string DomainVersion = "1";

    public static readonly Bytes32 ProposalTypeHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(ProposalType));

    /// <summary>keccak256(abi.encode(typeHash(domain), keccak(name), keccak(version))).</summary>
    public static readonly Bytes32 DomainSeparator = ComputeDomainSeparator();

    /// <summary>keccak256(abi.encode(PROPOSAL_TYPEHASH, epochId, proposerIndex, manifestHash)).</summary>
    public static Bytes32 StructHash(ulong epochId, uint proposerIndex, Bytes32 manifestHash)
    {
        Span<byte> encoded = stackalloc byte[4 * 32];
        encoded.Clear();
        ProposalTypeHash.CopyTo(encoded);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[56..], epochId);
        BinaryPrimitives.WriteUInt32BigEndian(encoded[92..], proposerIndex);
        manifestHash.CopyTo(encoded[96..]);
        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash).</summary>
    public static Bytes32 Compute(ulong epochId, uint proposerIndex, Bytes32 manifestHash) =>
        Eip712LegDigest.TypedDataHash(DomainSeparator, StructHash(epochId, proposerIndex, manifestHash));

    private static Bytes32 ComputeDomainSeparator()
    {
        Span<byte> encoded = stackalloc byte[3 * 32];
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainType)).CopyTo(encoded);
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainName)).CopyTo(encoded[32..]);
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainVersion)).CopyTo(encoded[64..]);
        return Keccak256.Hash(encoded);
    }
}
