using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>An attestor set waiting for its activation time (protocol v2: proposed by a threshold of the current set).</summary>
public sealed record PendingSignerSet(byte Threshold, IReadOnlyList<Bytes32> Signers, long ActivatesAt);

/// <summary>The escrow's config account (1312 bytes, tag 1, version 2).</summary>
public sealed record EscrowConfig(
    bool Paused, byte Threshold, Bytes32 Admin, ChainId ChainId, ulong NextNonce, ulong RefundGraceSeconds,
    Bytes32 VaultAuthority, IReadOnlyList<Bytes32> Signers, IReadOnlyList<ChainId> DestinationChains)
{
    public const int Size = 1312;

    /// <summary>The account layout version (2).</summary>
    public byte Version { get; init; }

    /// <summary>The admin proposed by ProposeAdmin, until it accepts; null when none.</summary>
    public Bytes32? PendingAdmin { get; init; }

    public ulong ActivationDelaySeconds { get; init; }

    /// <summary>1 at Initialize, +1 at each activation.</summary>
    public ulong SignerSetVersion { get; init; }

    public PendingSignerSet? PendingSigners { get; init; }

    public static EscrowConfig Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 1, Size, "config");
        var r = new SpanReader(data[8..]);
        var admin = r.Key();
        var chainId = r.UInt64();
        var nonce = r.UInt64();
        var grace = r.UInt64();
        var authority = r.Key();
        var signers = new Bytes32[Math.Min((int)data[6], EscrowProgram.MaxSigners)];
        for (var i = 0; i < signers.Length; i++)
        {
            signers[i] = new Bytes32(data.Slice(96 + (32 * i), 32));
        }

        var chains = new ChainId[Math.Min((int)data[7], 16)];
        for (var i = 0; i < chains.Length; i++)
        {
            chains[i] = new ChainId(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[(608 + (8 * i))..]));
        }

        var pendingAdmin = new Bytes32(data.Slice(736, 32));
        var activatesAt = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(data[784..]);
        var pending = new Bytes32[Math.Min((int)data[793], EscrowProgram.MaxSigners)];
        for (var i = 0; i < pending.Length; i++)
        {
            pending[i] = new Bytes32(data.Slice(800 + (32 * i), 32));
        }

        return new EscrowConfig(data[4] == 1, data[5], admin, new ChainId(chainId), nonce, grace, authority, signers, chains)
        {
            Version = data[1],
            PendingAdmin = pendingAdmin.IsZero ? null : pendingAdmin,
            ActivationDelaySeconds = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[768..]),
            SignerSetVersion = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data[776..]),
            PendingSigners = activatesAt == 0 ? null : new PendingSignerSet(data[792], pending, activatesAt),
        };
    }
}

/// <summary>
/// A pool state account (96 bytes, tag 2) of one registered mint: relayer liquidity, escrowed inputs of Open intents
/// and undelivered claims. The vault holds at least their sum.
/// </summary>
public sealed record EscrowPool(Bytes32 Mint, Bytes32 Vault, ulong Pool, ulong Escrowed, ulong Claims)
{
    public const int Size = 96;

    public static EscrowPool Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 2, Size, "pool");
        var r = new SpanReader(data[8..]);
        return new EscrowPool(r.Key(), r.Key(), r.UInt64(), r.UInt64(), r.UInt64());
    }
}

/// <summary>A claim (80 bytes, tag 6): what the escrow could not deliver to <see cref="Owner"/>, collected with Claim.</summary>
public sealed record EscrowClaim(Bytes32 Owner, Bytes32 Mint, ulong Amount)
{
    public const int Size = 80;

    public static EscrowClaim Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 6, Size, "claim");
        var r = new SpanReader(data[8..]);
        return new EscrowClaim(r.Key(), r.Key(), r.UInt64());
    }
}

/// <summary>Status of an intent account.</summary>
public enum EscrowIntentStatus : byte
{
    Open = 1,
    Released = 2,
    Refunded = 3,
}

/// <summary>An intent account (240 bytes, tag 3).</summary>
public sealed record EscrowIntent(
    EscrowIntentStatus Status, Bytes32 IntentId, ulong Nonce, Bytes32 Depositor, Bytes32 InputMint, ulong InputAmount,
    ulong DestinationChainId, Bytes32 OutputToken, UInt256 MinOutputAmount, Bytes32 Recipient, long FillDeadline, long OpenedAt)
{
    public const int Size = 240;

    public static EscrowIntent Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 3, Size, "intent");
        var r = new SpanReader(data[8..]);
        return new EscrowIntent(
            (EscrowIntentStatus)data[1], r.Key(), r.UInt64(), r.Key(), r.Key(), r.UInt64(), r.UInt64(), r.Key(),
            UInt256.ReadBigEndian(r.Take(32)), r.Key(), r.Int64(), r.Int64());
    }
}

/// <summary>A receipt (96 bytes, tag 4): proof that (epoch, chunk) was applied, with what.</summary>
public sealed record EscrowReceipt(ulong Epoch, uint Chunk, uint ActionCount, Bytes32 ChunkHash, Bytes32 BatchRoot, ulong SlotApplied)
{
    public const int Size = 96;

    public static EscrowReceipt Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 4, Size, "receipt");
        var r = new SpanReader(data[8..]);
        return new EscrowReceipt(r.UInt64(), r.UInt32(), r.UInt32(), r.Key(), r.Key(), r.UInt64());
    }
}

/// <summary>
/// A paid marker (56 bytes, tag 5: the source intent was paid on this escrow, delivered or as a claim) or a
/// withdraw marker (the same layout, tag 7: that Withdraw leaf was applied).
/// </summary>
public sealed record EscrowPaidMarker(ulong Epoch, ulong Amount, Bytes32 Mint)
{
    public const int Size = 56;

    public static EscrowPaidMarker Decode(ReadOnlySpan<byte> data, bool withdraw = false)
    {
        EscrowAccountLayout.Check(data, tag: withdraw ? (byte)7 : (byte)5, Size, withdraw ? "withdraw marker" : "paid marker");
        var r = new SpanReader(data[8..]);
        return new EscrowPaidMarker(r.UInt64(), r.UInt64(), r.Key());
    }
}

internal static class EscrowAccountLayout
{
    public static void Check(ReadOnlySpan<byte> data, byte tag, int size, string name)
    {
        if (data.Length != size)
        {
            throw new FormatException($"An escrow {name} account has {size} bytes, this one {data.Length}.");
        }

        if (data[0] != tag)
        {
            throw new FormatException($"An escrow {name} account starts with tag {tag}, this one with {data[0]}.");
        }
    }
}
