namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>
/// Compiles instructions into a <see cref="Message"/>: the fee payer first, then signers before non-signers and
/// writable before read-only, each group in bytewise key order (as the Rust SDK's <c>CompiledKeys</c>). With lookup
/// tables the message is v0 and every non-signer, non-program account found in a table is loaded from it.
/// </summary>
public static class MessageCompiler
{
    public static Message Compile(Bytes32 feePayer, IReadOnlyList<Instruction> instructions, Bytes32 recentBlockhash) =>
        Compile(feePayer, instructions, recentBlockhash, tables: null);

    public static Message CompileV0(Bytes32 feePayer, IReadOnlyList<Instruction> instructions, Bytes32 recentBlockhash, IReadOnlyList<AddressLookupTable> tables) =>
        Compile(feePayer, instructions, recentBlockhash, tables ?? throw new ArgumentNullException(nameof(tables)));

    private static Message Compile(Bytes32 feePayer, IReadOnlyList<Instruction> instructions, Bytes32 recentBlockhash, IReadOnlyList<AddressLookupTable>? tables)
    {
        ArgumentNullException.ThrowIfNull(instructions);
        var roles = new Dictionary<Bytes32, (bool Signer, bool Writable, bool Program)>
        {
            [feePayer] = (true, true, false),
        };
        foreach (var ix in instructions)
        {
            roles[ix.ProgramId] = roles.TryGetValue(ix.ProgramId, out var p) ? p with { Program = true } : (false, false, true);
            foreach (var meta in ix.Accounts)
            {
                roles[meta.Key] = roles.TryGetValue(meta.Key, out var r)
                    ? (r.Signer || meta.IsSigner, r.Writable || meta.IsWritable, r.Program)
                    : (meta.IsSigner, meta.IsWritable, false);
            }
        }

        foreach (var (key, role) in roles)
        {
            if (role.Program && role.Writable)
            {
                throw new InvalidOperationException($"Program {Base58.EncodeKey(key)} is invoked and marked writable.");
            }
        }

        // Accounts loaded from lookup tables: (table index, index in table), writable or not.
        var loaded = new Dictionary<Bytes32, (int Table, byte Index, bool Writable)>();
        if (tables is not null)
        {
            foreach (var (key, role) in roles)
            {
                if (role.Signer || role.Program)
                {
                    continue;
                }

                for (var t = 0; t < tables.Count && !loaded.ContainsKey(key); t++)
                {
                    var index = IndexOf(tables[t].Addresses, key);
                    if (index is >= 0 and <= 255)
                    {
                        loaded[key] = (t, (byte)index, role.Writable);
                    }
                }
            }
        }

        var statics = roles.Where(kv => !loaded.ContainsKey(kv.Key) && kv.Key != feePayer)
            .OrderBy(kv => kv.Value.Signer ? 0 : 1)
            .ThenBy(kv => kv.Value.Writable ? 0 : 1)
            .ThenBy(kv => kv.Key)
            .Select(kv => kv.Key)
            .Prepend(feePayer)
            .ToList();

        var header = new MessageHeader(
            checked((byte)statics.Count(k => roles[k].Signer)),
            checked((byte)statics.Count(k => roles[k].Signer && !roles[k].Writable)),
            checked((byte)statics.Count(k => !roles[k].Signer && !roles[k].Writable)));

        var lookups = new List<AddressTableLookup>();
        var order = new Dictionary<Bytes32, int>();
        for (var i = 0; i < statics.Count; i++)
        {
            order[statics[i]] = i;
        }

        if (tables is not null)
        {
            var next = statics.Count;
            var writableByTable = new List<KeyValuePair<Bytes32, (int Table, byte Index, bool Writable)>>[tables.Count];
            var readOnlyByTable = new List<KeyValuePair<Bytes32, (int Table, byte Index, bool Writable)>>[tables.Count];
            for (var t = 0; t < tables.Count; t++)
            {
                writableByTable[t] = [.. loaded.Where(kv => kv.Value.Table == t && kv.Value.Writable).OrderBy(kv => kv.Value.Index)];
                readOnlyByTable[t] = [.. loaded.Where(kv => kv.Value.Table == t && !kv.Value.Writable).OrderBy(kv => kv.Value.Index)];
            }

            foreach (var entry in writableByTable.SelectMany(l => l))
            {
                order[entry.Key] = next++;
            }

            foreach (var entry in readOnlyByTable.SelectMany(l => l))
            {
                order[entry.Key] = next++;
            }

            if (next > 256)
            {
                throw new InvalidOperationException($"A message can address at most 256 accounts, this one {next}.");
            }

            for (var t = 0; t < tables.Count; t++)
            {
                if (writableByTable[t].Count + readOnlyByTable[t].Count > 0)
                {
                    lookups.Add(new AddressTableLookup(
                        tables[t].Address,
                        [.. writableByTable[t].Select(kv => kv.Value.Index)],
                        [.. readOnlyByTable[t].Select(kv => kv.Value.Index)]));
                }
            }
        }
        else if (statics.Count > 256)
        {
            throw new InvalidOperationException($"A message can address at most 256 accounts, this one {statics.Count}.");
        }

        var compiled = instructions
            .Select(ix => new CompiledInstruction(
                (byte)order[ix.ProgramId],
                [.. ix.Accounts.Select(a => (byte)order[a.Key])],
                ix.Data.ToArray()))
            .ToArray();
        return new Message(tables is null ? MessageVersion.Legacy : MessageVersion.V0, header, statics, recentBlockhash, compiled, lookups);
    }

    private static int IndexOf(IReadOnlyList<Bytes32> addresses, Bytes32 key)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] == key)
            {
                return i;
            }
        }

        return -1;
    }
}
