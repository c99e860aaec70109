namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>Message format: legacy, or versioned v0 (address lookup tables).</summary>
public enum MessageVersion
{
    Legacy = 0,
    V0 = 1,
}

/// <summary>The three counts that give each static account key its signer and writable role.</summary>
public readonly record struct MessageHeader(byte RequiredSignatures, byte ReadOnlySigned, byte ReadOnlyUnsigned);

/// <summary>An instruction inside a message: indexes into the message's account list.</summary>
public sealed record CompiledInstruction(byte ProgramIdIndex, byte[] AccountIndexes, byte[] Data);

/// <summary>The accounts a v0 message loads from one address lookup table.</summary>
public sealed record AddressTableLookup(Bytes32 TableAddress, byte[] WritableIndexes, byte[] ReadOnlyIndexes);

/// <summary>An address lookup table's address and the addresses it holds, in order.</summary>
public sealed record AddressLookupTable(Bytes32 Address, IReadOnlyList<Bytes32> Addresses);

/// <summary>
/// A compiled Solana message, the bytes every signer signs. Serialization follows the runtime's
/// wire format (<c>solana_message::legacy::Message</c> and <c>v0::Message</c>, prefix 0x80 for v0).
/// </summary>
public sealed record Message(
    MessageVersion Version,
    MessageHeader Header,
    IReadOnlyList<Bytes32> StaticAccountKeys,
    Bytes32 RecentBlockhash,
    IReadOnlyList<CompiledInstruction> Instructions,
    IReadOnlyList<AddressTableLookup> AddressTableLookups)
{
    private const byte VersionPrefix = 0x80;

    public byte[] Serialize()
    {
        var buffer = new List<byte>(512);
        if (Version == MessageVersion.V0)
        {
            buffer.Add(VersionPrefix);
        }

        buffer.Add(Header.RequiredSignatures);
        buffer.Add(Header.ReadOnlySigned);
        buffer.Add(Header.ReadOnlyUnsigned);
        CompactU16.Write(StaticAccountKeys.Count, buffer);
        foreach (var key in StaticAccountKeys)
        {
            AddKey(buffer, key);
        }

        AddKey(buffer, RecentBlockhash);
        CompactU16.Write(Instructions.Count, buffer);
        foreach (var ix in Instructions)
        {
            buffer.Add(ix.ProgramIdIndex);
            CompactU16.Write(ix.AccountIndexes.Length, buffer);
            buffer.AddRange(ix.AccountIndexes);
            CompactU16.Write(ix.Data.Length, buffer);
            buffer.AddRange(ix.Data);
        }

        if (Version == MessageVersion.V0)
        {
            CompactU16.Write(AddressTableLookups.Count, buffer);
            foreach (var lookup in AddressTableLookups)
            {
                AddKey(buffer, lookup.TableAddress);
                CompactU16.Write(lookup.WritableIndexes.Length, buffer);
                buffer.AddRange(lookup.WritableIndexes);
                CompactU16.Write(lookup.ReadOnlyIndexes.Length, buffer);
                buffer.AddRange(lookup.ReadOnlyIndexes);
            }
        }

        return [.. buffer];
    }

    /// <exception cref="FormatException">The bytes are not a well-formed message.</exception>
    public static Message Deserialize(ReadOnlySpan<byte> bytes)
    {
        var reader = new SpanReader(bytes);
        var version = MessageVersion.Legacy;
        if ((reader.Peek() & VersionPrefix) != 0)
        {
            var v = reader.Byte() & 0x7f;
            version = v == 0 ? MessageVersion.V0 : throw new FormatException($"Unsupported message version {v}.");
        }

        var header = new MessageHeader(reader.Byte(), reader.Byte(), reader.Byte());
        var keys = new Bytes32[reader.CompactU16()];
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = reader.Key();
        }

        var blockhash = reader.Key();
        var instructions = new CompiledInstruction[reader.CompactU16()];
        for (var i = 0; i < instructions.Length; i++)
        {
            var program = reader.Byte();
            var accounts = reader.Bytes(reader.CompactU16());
            instructions[i] = new CompiledInstruction(program, accounts, reader.Bytes(reader.CompactU16()));
        }

        var lookups = Array.Empty<AddressTableLookup>();
        if (version == MessageVersion.V0)
        {
            lookups = new AddressTableLookup[reader.CompactU16()];
            for (var i = 0; i < lookups.Length; i++)
            {
                var table = reader.Key();
                var writable = reader.Bytes(reader.CompactU16());
                lookups[i] = new AddressTableLookup(table, writable, reader.Bytes(reader.CompactU16()));
            }
        }

        if (!reader.AtEnd)
        {
            throw new FormatException("Trailing bytes after the message.");
        }

        return new Message(version, header, keys, blockhash, instructions, lookups);
    }

    /// <summary>Whether the account at <paramref name="index"/> (static keys, then loaded writable, then loaded read-only) is writable.</summary>
    public bool IsWritable(int index)
    {
        var staticCount = StaticAccountKeys.Count;
        if (index < Header.RequiredSignatures)
        {
            return index < Header.RequiredSignatures - Header.ReadOnlySigned;
        }

        if (index < staticCount)
        {
            return index < staticCount - Header.ReadOnlyUnsigned;
        }

        var loadedWritable = AddressTableLookups.Sum(l => l.WritableIndexes.Length);
        return index - staticCount < loadedWritable;
    }

    public bool IsSigner(int index) => index < Header.RequiredSignatures;

    /// <summary>The static keys followed by the keys loaded from <paramref name="tables"/> (writable first, then read-only).</summary>
    public IReadOnlyList<Bytes32> ResolveAccountKeys(IReadOnlyList<AddressLookupTable>? tables = null)
    {
        var keys = new List<Bytes32>(StaticAccountKeys);
        if (AddressTableLookups.Count == 0)
        {
            return keys;
        }

        ArgumentNullException.ThrowIfNull(tables);
        AddressLookupTable Table(Bytes32 address) => tables.FirstOrDefault(t => t.Address == address)
            ?? throw new InvalidOperationException($"Lookup table {Base58.EncodeKey(address)} was not given.");
        foreach (var lookup in AddressTableLookups)
        {
            keys.AddRange(lookup.WritableIndexes.Select(i => Table(lookup.TableAddress).Addresses[i]));
        }

        foreach (var lookup in AddressTableLookups)
        {
            keys.AddRange(lookup.ReadOnlyIndexes.Select(i => Table(lookup.TableAddress).Addresses[i]));
        }

        return keys;
    }

    private static void AddKey(List<byte> buffer, Bytes32 key)
    {
        Span<byte> bytes = stackalloc byte[32];
        key.CopyTo(bytes);
        buffer.AddRange(bytes);
    }
}
