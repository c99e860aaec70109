using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>The escrow's config account (736 bytes, tag 1).</summary>
public sealed record EscrowConfig(
    bool Paused, byte Threshold, Bytes32 Admin, ChainId ChainId, ulong NextNonce, ulong RefundGraceSeconds,
    Bytes32 VaultAuthority, IReadOnlyList<Bytes32> Signers, IReadOnlyList<ChainId> DestinationChains)
{
    public const int Size = 736;

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

        return new EscrowConfig(data[4] == 1, data[5], admin, new ChainId(chainId), nonce, grace, authority, signers, chains);
    }
}

/// <summary>A pool state account (88 bytes, tag 2): relayer liquidity and escrowed inputs of one mint.</summary>
public sealed record EscrowPool(Bytes32 Mint, Bytes32 Vault, ulong Pool, ulong Escrowed)
{
    public const int Size = 88;

    public static EscrowPool Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 2, Size, "pool");
        var r = new SpanReader(data[8..]);
        return new EscrowPool(r.Key(), r.Key(), r.UInt64(), r.UInt64());
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

/// <summary>A paid marker (56 bytes, tag 5): the source intent was paid on this escrow.</summary>
public sealed record EscrowPaidMarker(ulong Epoch, ulong Amount, Bytes32 Mint)
{
    public const int Size = 56;

    public static EscrowPaidMarker Decode(ReadOnlySpan<byte> data)
    {
        EscrowAccountLayout.Check(data, tag: 5, Size, "paid marker");
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
