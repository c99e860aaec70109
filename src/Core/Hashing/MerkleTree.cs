using System.Runtime.CompilerServices;

namespace DiscreteExec.Core.Hashing;

/// <summary>
/// The Merkle root of docs/ARCHITECTURE.md: a binary tree over a list of hashes, each pair hashed as
/// keccak256(smaller ‖ larger) (OpenZeppelin MerkleProof compatible), an odd last node promoted
/// unchanged; the root of one hash is that hash, the root of none is 32 zero bytes.
/// </summary>
public static class MerkleTree
{
    public static Bytes32 Root(ReadOnlySpan<Bytes32> leaves)
    {
        if (leaves.Length == 0)
        {
            return Bytes32.Zero;
        }

        if (leaves.Length == 1)
        {
            return leaves[0];
        }

        var level = new Bytes32[(leaves.Length + 1) / 2];
        var count = HashLevel(leaves, level);
        while (count > 1)
        {
            count = HashLevel(level.AsSpan(0, count), level);
        }

        return level[0];
    }

    /// <summary>
    /// The same root over hashes laid end to end (32 bytes each), computed in place with
    /// <see cref="Keccak256Batch"/>; the buffer's contents are consumed.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Bytes32 RootInPlace(Span<byte> nodes)
    {
        if (nodes.Length % 32 != 0)
        {
            throw new ArgumentException($"{nodes.Length} bytes are not whole 32-byte hashes.", nameof(nodes));
        }

        var count = nodes.Length / 32;
        if (count == 0)
        {
            return Bytes32.Zero;
        }

        Span<byte> larger = stackalloc byte[32];
        while (count > 1)
        {
            var pairs = count / 2;
            for (var i = 0; i < pairs; i++)
            {
                var pair = nodes.Slice(i * 64, 64);
                if (pair[..32].SequenceCompareTo(pair[32..]) > 0)
                {
                    pair[..32].CopyTo(larger);
                    pair[32..].CopyTo(pair);
                    larger.CopyTo(pair[32..]);
                }
            }

            // In place: every batch step reads its pairs whole before writing their digests, and digest k lands at
            // 32k, never beyond the pairs still to be read (at 64k and after).
            Keccak256Batch.Hash(nodes[..(pairs * 64)], 64, nodes[..(pairs * 32)]);
            if ((count & 1) == 1)
            {
                nodes.Slice((count - 1) * 32, 32).CopyTo(nodes.Slice(pairs * 32, 32));
            }

            count = pairs + (count & 1);
        }

        return new Bytes32(nodes[..32]);
    }

    /// <summary>keccak256 of the two hashes, smaller first.</summary>
    public static Bytes32 HashPair(Bytes32 a, Bytes32 b)
    {
        Span<byte> buffer = stackalloc byte[64];
        if (a <= b)
        {
            a.CopyTo(buffer);
            b.CopyTo(buffer[32..]);
        }
        else
        {
            b.CopyTo(buffer);
            a.CopyTo(buffer[32..]);
        }

        return Keccak256.Hash(buffer);
    }

    /// <summary>The sibling hashes from a leaf to the root, for proofs checked by OpenZeppelin's MerkleProof.</summary>
    public static IReadOnlyList<Bytes32> Proof(ReadOnlySpan<Bytes32> leaves, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Length);
        var proof = new List<Bytes32>();
        var level = leaves.ToArray();
        while (level.Length > 1)
        {
            var sibling = index ^ 1;
            if (sibling < level.Length)
            {
                proof.Add(level[sibling]);
            }

            var next = new Bytes32[(level.Length + 1) / 2];
            HashLevel(level, next);
            level = next;
            index /= 2;
        }

        return proof;
    }

    /// <summary>Folds a proof from a leaf; equal to the root when the proof is valid.</summary>
    public static Bytes32 RootFromProof(Bytes32 leaf, IEnumerable<Bytes32> proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        var node = leaf;
        foreach (var sibling in proof)
        {
            node = HashPair(node, sibling);
        }

        return node;
    }

    // Levels this wide are hashed on every core: each pair is independent, so the result is the same bytes.
    private const int ParallelThresholdPairs = 1 << 15;

    private static int HashLevel(ReadOnlySpan<Bytes32> source, Span<Bytes32> destination)
    {
        var pairs = source.Length / 2;
        if (pairs >= ParallelThresholdPairs && Environment.ProcessorCount > 1)
        {
            HashPairsInParallel(source.ToArray(), destination, pairs);
        }
        else
        {
            for (var i = 0; i < pairs; i++)
            {
                destination[i] = HashPair(source[2 * i], source[(2 * i) + 1]);
            }
        }

        if ((source.Length & 1) == 1)
        {
            destination[pairs] = source[^1];
            return pairs + 1;
        }

        return pairs;
    }

    private static void HashPairsInParallel(Bytes32[] source, Span<Bytes32> destination, int pairs)
    {
        var result = new Bytes32[pairs];
        var workers = Environment.ProcessorCount;
        var size = (pairs + workers - 1) / workers;
        Parallel.For(0, workers, worker =>
        {
            var end = Math.Min(pairs, (worker + 1) * size);
            for (var i = worker * size; i < end; i++)
            {
                result[i] = HashPair(source[2 * i], source[(2 * i) + 1]);
            }
        });
        result.CopyTo(destination);
    }
}
