using System.Security.Cryptography;
using System.Text;

namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>Program-derived addresses: <c>create_program_address</c> and <c>find_program_address</c>.</summary>
public static class ProgramAddress
{
    public const int MaxSeeds = 16;
    public const int MaxSeedLength = 32;
    internal const int MemoLimit = 100_000;
    private static readonly byte[] Marker = Encoding.ASCII.GetBytes("ProgramDerivedAddress");
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(Bytes32 Owner, Bytes32 Mint), Bytes32> AssociatedTokenAccounts = new();

    /// <summary>sha256(seeds ‖ programId ‖ "ProgramDerivedAddress"); null when the hash is on the curve.</summary>
    public static Bytes32? Create(IReadOnlyList<byte[]> seeds, Bytes32 programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count > MaxSeeds)
        {
            throw new ArgumentException($"At most {MaxSeeds} seeds.", nameof(seeds));
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var seed in seeds)
        {
            if (seed.Length > MaxSeedLength)
            {
                throw new ArgumentException($"A seed has at most {MaxSeedLength} bytes.", nameof(seeds));
            }

            sha.AppendData(seed);
        }

        Span<byte> buffer = stackalloc byte[32];
        programId.CopyTo(buffer);
        sha.AppendData(buffer);
        sha.AppendData(Marker);
        sha.GetHashAndReset(buffer);
        return Ed25519Curve.IsOnCurve(buffer) ? null : new Bytes32(buffer);
    }

    /// <summary>The first off-curve address trying bumps 255 down to 0, and its bump.</summary>
    public static (Bytes32 Address, byte Bump) Find(IReadOnlyList<byte[]> seeds, Bytes32 programId)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var withBump = new byte[seeds.Count + 1][];
        for (var i = 0; i < seeds.Count; i++)
        {
            withBump[i] = seeds[i];
        }

        var bump = new byte[1];
        withBump[^1] = bump;
        for (var b = 255; b >= 0; b--)
        {
            bump[0] = (byte)b;
            if (Create(withBump, programId) is { } address)
            {
                return (address, (byte)b);
            }
        }

        throw new InvalidOperationException("No viable bump seed (vanishingly unlikely).");
    }

    /// <summary>The associated token account of <paramref name="owner"/> for <paramref name="mint"/> (classic SPL Token).</summary>
    public static Bytes32 AssociatedTokenAccount(Bytes32 owner, Bytes32 mint)
    {
        // A memo, since the planner asks for the same accounts many times; cleared rather than grown without bound.
        if (AssociatedTokenAccounts.Count > MemoLimit)
        {
            AssociatedTokenAccounts.Clear();
        }

        return AssociatedTokenAccounts.GetOrAdd(
            (owner, mint),
            static key => Find([key.Owner.ToArray(), WellKnown.TokenProgram.ToArray(), key.Mint.ToArray()], WellKnown.AssociatedTokenProgram).Address);
    }
}
