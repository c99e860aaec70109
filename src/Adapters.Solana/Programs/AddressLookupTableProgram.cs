using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>An address lookup table account (<c>solana_address_lookup_table_interface::state</c>): 56-byte header, then the addresses.</summary>
/// <param name="DeactivationSlot">u64::MAX while the table is active.</param>
/// <param name="LastExtendedSlot">Addresses appended in this slot are usable from the next one.</param>
/// <param name="Authority">Who may extend, deactivate and close it (none: frozen).</param>
/// <param name="Addresses">The addresses, in order: a v0 message loads them by index.</param>
internal sealed record LookupTableState(ulong DeactivationSlot, ulong LastExtendedSlot, Bytes32? Authority, IReadOnlyList<Bytes32> Addresses)
{
    public const int HeaderSize = 56;

    public bool IsActive => DeactivationSlot == ulong.MaxValue;

    /// <exception cref="FormatException">Not a lookup table account.</exception>
    public static LookupTableState Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length < HeaderSize || (data.Length - HeaderSize) % 32 != 0 || BinaryPrimitives.ReadUInt32LittleEndian(data) != 1)
        {
            throw new FormatException($"Not an address lookup table ({data.Length} bytes).");
        }

        Bytes32? authority = data[21] == 1 ? new Bytes32(data.Slice(22, 32)) : null;
        var addresses = new Bytes32[(data.Length - HeaderSize) / 32];
        for (var i = 0; i < addresses.Length; i++)
        {
            addresses[i] = new Bytes32(data.Slice(HeaderSize + (32 * i), 32));
        }

        return new LookupTableState(BinaryPrimitives.ReadUInt64LittleEndian(data[4..]), BinaryPrimitives.ReadUInt64LittleEndian(data[12..]), authority, addresses);
    }
}

/// <summary>The runtime's Address Lookup Table program: table address, CreateLookupTable and ExtendLookupTable.</summary>
internal static class AddressLookupTableProgram
{
    public static readonly Bytes32 ProgramId = Base58.DecodeKey("AddressLookupTab1e1111111111111111111111111");

    /// <summary>The most addresses a table holds (a message indexes a table with one byte).</summary>
    public const int MaxAddresses = 256;

    /// <summary>The table address of <paramref name="authority"/> created with <paramref name="recentSlot"/>: PDA <c>[authority, recentSlot u64 LE]</c>.</summary>
    public static (Bytes32 Address, byte Bump) Derive(Bytes32 authority, ulong recentSlot)
    {
        var slot = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(slot, recentSlot);
        return ProgramAddress.Find([authority.ToArray(), slot], ProgramId);
    }

    /// <summary>CreateLookupTable (tag 0): accounts table (w), authority (s), payer (s, w), System program; data slot u64, bump u8.</summary>
    public static Instruction Create(Bytes32 authority, Bytes32 payer, ulong recentSlot, out Bytes32 table)
    {
        var (address, bump) = Derive(authority, recentSlot);
        table = address;
        var data = new byte[13];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), recentSlot);
        data[12] = bump;
        return new Instruction(ProgramId, Accounts(address, authority, payer), data);
    }

    /// <summary>ExtendLookupTable (tag 2): the same accounts; data a bincode Vec of addresses (u64 LE count, then the keys).</summary>
    public static Instruction Extend(Bytes32 table, Bytes32 authority, Bytes32 payer, IReadOnlyList<Bytes32> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        var data = new byte[12 + (32 * addresses.Count)];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 2);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), (ulong)addresses.Count);
        for (var i = 0; i < addresses.Count; i++)
        {
            addresses[i].CopyTo(data.AsSpan(12 + (32 * i), 32));
        }

        return new Instruction(ProgramId, Accounts(table, authority, payer), data);
    }

    private static AccountMeta[] Accounts(Bytes32 table, Bytes32 authority, Bytes32 payer) =>
        [AccountMeta.Writable(table), AccountMeta.ReadOnly(authority, true), AccountMeta.Writable(payer, true), AccountMeta.ReadOnly(WellKnown.SystemProgram)];
}
