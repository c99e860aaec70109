using System.Buffers.Binary;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Core.Settlement;

/// <summary>
/// Leaves and chunk hashes exactly as docs/ARCHITECTURE.md fixes them:
/// leaf = keccak256(abi.encode(uint64 chainId, uint64 epochId, uint8 kind, bytes32 intentId, bytes32 token, bytes32 account, uint256 amount)).
/// </summary>
public static class SettlementLeaf
{
    public const int EncodedLength = 7 * 32;

    public static Bytes32 Hash(ChainId chainId, ulong epochId, in SettlementAction action)
    {
        Span<byte> encoded = stackalloc byte[EncodedLength];
        Encode(chainId, epochId, action, encoded);
        return Keccak256.Hash(encoded);
    }

    /// <summary>Writes the seven ABI words of a leaf preimage.</summary>
    public static void Encode(ChainId chainId, ulong epochId, in SettlementAction action, Span<byte> destination)
    {
        destination[..EncodedLength].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], chainId.Value);
        BinaryPrimitives.WriteUInt64BigEndian(destination[56..], epochId);
        destination[95] = (byte)action.Kind;
        action.IntentId.CopyTo(destination[96..]);
        action.Token.CopyTo(destination[128..]);
        action.Account.CopyTo(destination[160..]);
        action.Amount.WriteBigEndian(destination[192..]);
    }

    /// <summary>chunkHash = keccak256 of the chunk's leaves concatenated, in leg order.</summary>
    public static Bytes32 ChunkHash(ReadOnlySpan<Bytes32> leaves)
    {
        var buffer = new byte[leaves.Length * 32];
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i].CopyTo(buffer.AsSpan(i * 32));
        }

        return Keccak256.Hash(buffer);
    }

    /// <summary>The leaf hashes of a list of actions, in the given order.</summary>
    public static Bytes32[] Hashes(ChainId chainId, ulong epochId, IReadOnlyList<SettlementAction> actions)
    {
        ArgumentNullException.ThrowIfNull(actions);
        var leaves = new Bytes32[actions.Count];
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i] = Hash(chainId, epochId, actions[i]);
        }

        return leaves;
    }
}
