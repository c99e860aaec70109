using System.Buffers.Binary;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>
/// The EIP-712 digest an operator set's proposer signs for its manifest of an epoch:
/// struct <c>EpochProposal(uint64 epochId,uint32 round,uint32 proposerIndex,bytes32 manifestHash)</c> (the round of the
/// epoch the manifest proposes for, 0 first) under the domain
/// <c>EIP712Domain(string name,string version,bytes32 salt)</c>, name "DiscreteExec Operator Set", version "1", whose
/// salt names the deployment and its operator set (<see cref="OperatorSetSalt"/>): a manifest signed for one deployment
/// does not verify in another that has the same keys. The domain names no chainId and no verifyingContract: a manifest
/// covers every chain, and no escrow checks its signature (the other operators do before they keep the manifest).
/// </summary>
public static class Eip712ProposalDigest
{
    public const string ProposalType = "EpochProposal(uint64 epochId,uint32 round,uint32 proposerIndex,bytes32 manifestHash)";
    public const string DomainType = "EIP712Domain(string name,string version,bytes32 salt)";
    public const string DomainName = "DiscreteExec Operator Set";
    public const string DomainVersion = "1";

    public static readonly Bytes32 ProposalTypeHash = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(ProposalType));

    /// <summary>
    /// keccak256(abi.encode(uint256 chainId, address escrow, uint256 threshold, address[] operators)): the escrow on the
    /// EVM chain whose keys sign manifests (an address exists once per chain, so this names the deployment), the
    /// threshold and every operator's manifest address in index order (a signer-set change is a new domain).
    /// </summary>
    public static Bytes32 OperatorSetSalt(ulong chainId, EvmAddress escrow, int threshold, IReadOnlyList<EvmAddress> operators)
    {
        ArgumentNullException.ThrowIfNull(operators);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threshold);
        // Head: chainId, escrow, threshold, offset of the array (0x80); tail: its length, then one word per address.
        var encoded = new byte[(5 + operators.Count) * 32];
        BinaryPrimitives.WriteUInt64BigEndian(encoded.AsSpan(24), chainId);
        escrow.ToBytes32().CopyTo(encoded.AsSpan(32));
        BinaryPrimitives.WriteInt32BigEndian(encoded.AsSpan(92), threshold);
        encoded[127] = 0x80;
        BinaryPrimitives.WriteInt32BigEndian(encoded.AsSpan(156), operators.Count);
        for (var i = 0; i < operators.Count; i++)
        {
            operators[i].ToBytes32().CopyTo(encoded.AsSpan((5 + i) * 32));
        }

        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(abi.encode(typeHash(domain), keccak(name), keccak(version), salt)).</summary>
    public static Bytes32 DomainSeparator(Bytes32 salt)
    {
        Span<byte> encoded = stackalloc byte[4 * 32];
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainType)).CopyTo(encoded);
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainName)).CopyTo(encoded[32..]);
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(DomainVersion)).CopyTo(encoded[64..]);
        salt.CopyTo(encoded[96..]);
        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(abi.encode(PROPOSAL_TYPEHASH, epochId, round, proposerIndex, manifestHash)).</summary>
    public static Bytes32 StructHash(ulong epochId, uint round, uint proposerIndex, Bytes32 manifestHash)
    {
        Span<byte> encoded = stackalloc byte[5 * 32];
        encoded.Clear();
        ProposalTypeHash.CopyTo(encoded);
        BinaryPrimitives.WriteUInt64BigEndian(encoded[56..], epochId);
        BinaryPrimitives.WriteUInt32BigEndian(encoded[92..], round);
        BinaryPrimitives.WriteUInt32BigEndian(encoded[124..], proposerIndex);
        manifestHash.CopyTo(encoded[128..]);
        return Keccak256.Hash(encoded);
    }

    /// <summary>keccak256(0x19 ‖ 0x01 ‖ domainSeparator ‖ structHash), <paramref name="domainSeparator"/> from <see cref="DomainSeparator"/>.</summary>
    public static Bytes32 Compute(Bytes32 domainSeparator, ulong epochId, uint round, uint proposerIndex, Bytes32 manifestHash) =>
        Eip712LegDigest.TypedDataHash(domainSeparator, StructHash(epochId, round, proposerIndex, manifestHash));
}
