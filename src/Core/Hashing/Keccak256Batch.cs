using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DiscreteExec.Core.Hashing;

/// <summary>Which Keccak-256 code path hashes batches on this machine.</summary>
public enum KeccakPath
{
    /// <summary>One message at a time.</summary>
    Scalar = 0,

    /// <summary>Four messages at once in 256-bit vectors (AVX2).</summary>
    Vector256 = 1,
}

/// <summary>
/// Keccak-256 of many messages of one length at once (Merkle leaves, tree nodes): four messages side by side in
/// one 256-bit vector per state lane where the CPU accelerates it, the scalar path otherwise and for the last
/// messages of a batch. Both paths give the same bytes as <see cref="Keccak256"/>. Setting the environment
/// variable <c>DISCRETEEXEC_KECCAK=scalar</c> forces the scalar path (to compare, or to rule the vector path out).
/// </summary>
public static class Keccak256Batch
{
    private const int Lanes = 4;

    /// <summary>The path <see cref="Hash(ReadOnlySpan{byte}, int, Span{byte})"/> takes on this machine.</summary>
    public static KeccakPath Path { get; } =
        Vector256.IsHardwareAccelerated && !string.Equals(Environment.GetEnvironmentVariable("DISCRETEEXEC_KECCAK"), "scalar", StringComparison.OrdinalIgnoreCase)
            ? KeccakPath.Vector256
            : KeccakPath.Scalar;

    /// <summary>
    /// Hashes <c>messages.Length / messageLength</c> messages laid end to end in <paramref name="messages"/>,
    /// writing their 32-byte digests end to end into <paramref name="digests"/>.
    /// </summary>
    public static void Hash(ReadOnlySpan<byte> messages, int messageLength, Span<byte> digests) => Hash(messages, messageLength, digests, Path);

    /// <summary>The same, on a given path (a path the CPU does not accelerate still gives the right bytes, slowly).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Hash(ReadOnlySpan<byte> messages, int messageLength, Span<byte> digests, KeccakPath path)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messageLength);
        if (messages.Length % messageLength != 0)
        {
            throw new ArgumentException($"{messages.Length} bytes are not whole messages of {messageLength} bytes.", nameof(messages));
        }

        var count = messages.Length / messageLength;
        if (digests.Length < count * 32)
        {
            throw new ArgumentException($"{count} digests need {count * 32} bytes; the destination has {digests.Length}.", nameof(digests));
        }

        var next = 0;
        if (path == KeccakPath.Vector256)
        {
            for (; next + Lanes <= count; next += Lanes)
            {
                HashFour(messages.Slice(next * messageLength, Lanes * messageLength), messageLength, digests.Slice(next * 32, Lanes * 32));
            }
        }

        for (; next < count; next++)
        {
            Keccak256.Hash(messages.Slice(next * messageLength, messageLength), digests.Slice(next * 32, 32));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HashFour(ReadOnlySpan<byte> four, int length, Span<byte> digests)
    {
        const int rate = Keccak256.RateBytes;
        Span<Vector256<ulong>> state = stackalloc Vector256<ulong>[25];
        state.Clear();
        var offset = 0;
        for (; length - offset >= rate; offset += rate)
        {
            Absorb(state, four[offset..], length);
            KeccakPermutationX4.Permute(state);
        }

        // The last block of each message, padded (keccak's 0x01 ... 0x80), side by side.
        Span<byte> last = stackalloc byte[Lanes * rate];
        last.Clear();
        var tail = length - offset;
        for (var lane = 0; lane < Lanes; lane++)
        {
            var block = last.Slice(lane * rate, rate);
            four.Slice((lane * length) + offset, tail).CopyTo(block);
            block[tail] ^= 0x01;
            block[rate - 1] ^= 0x80;
        }

        Absorb(state, last, rate);
        KeccakPermutationX4.Permute(state);
        for (var word = 0; word < 4; word++)
        {
            var value = state[word];
            for (var lane = 0; lane < Lanes; lane++)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(digests[((lane * 32) + (word * 8))..], value.GetElement(lane));
            }
        }
    }

    /// <summary>XORs one rate-sized block of each of four messages (<paramref name="stride"/> bytes apart) into the state.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Absorb(Span<Vector256<ulong>> state, ReadOnlySpan<byte> blocks, int stride)
    {
        for (var i = 0; i < Keccak256.RateBytes / 8; i++)
        {
            var at = i * 8;
            state[i] ^= Vector256.Create(
                BinaryPrimitives.ReadUInt64LittleEndian(blocks[at..]),
                BinaryPrimitives.ReadUInt64LittleEndian(blocks[(stride + at)..]),
                BinaryPrimitives.ReadUInt64LittleEndian(blocks[((2 * stride) + at)..]),
                BinaryPrimitives.ReadUInt64LittleEndian(blocks[((3 * stride) + at)..]));
        }
    }
}
