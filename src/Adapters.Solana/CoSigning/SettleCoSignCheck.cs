using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.CoSigning;

/// <summary>
/// What an operator checks before it co-signs another operator's settle transaction message (pure: no I/O). The
/// message must parse strictly as compute-budget instructions (at most one limit and one price), idempotent creations
/// of the associated token accounts of the chunk's own destinations, and exactly one escrow Settle of the attested
/// chunk; the co-signer's key must be one of that Settle's attestors, a read-only signer, never the fee payer. The
/// message is then rebuilt from the attested chunk with the request's fee payer, attestors, blockhash and budget, and
/// must be byte for byte the same: no other instruction, account, writable flag or signer can hide in it.
/// </summary>
internal static class SettleCoSignCheck
{
    private const int SettleHeaderSize = 47; // tag, epoch u64, chunk u32, batch root, attestor count, action count
    private const int SettleFixedAccounts = 6; // payer, config, receipt, authority, system, token

    /// <summary>
    /// Why <paramref name="ownKey"/> must not sign <paramref name="message"/> for <paramref name="chunk"/> (the chunk
    /// this operator attested), or null when it may. <paramref name="operatorSigners"/> are the escrow's registered
    /// signers as configured; <paramref name="table"/> is the lookup table a v0 message loads from, as the co-signer
    /// read it from its own RPC (null for a legacy message).
    /// </summary>
    public static string? Refusal(
        ReadOnlySpan<byte> message, SettlementChunk chunk, EscrowProgram escrow, Bytes32 ownKey, IReadOnlyCollection<Bytes32> operatorSigners, AddressLookupTable? table)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(escrow);
        ArgumentNullException.ThrowIfNull(operatorSigners);
        Message parsed;
        try
        {
            parsed = Message.Deserialize(message);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return $"not a well-formed transaction message ({ex.Message})";
        }

        try
        {
            return Refusal(parsed, message, chunk, escrow, ownKey, operatorSigners, table);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException or IndexOutOfRangeException)
        {
            // A chunk or message the builders cannot even express (too many actions, an amount beyond u64 ...).
            return $"the chunk's settle cannot be rebuilt ({ex.Message})";
        }
    }

    private static string? Refusal(
        Message parsed, ReadOnlySpan<byte> bytes, SettlementChunk chunk, EscrowProgram escrow, Bytes32 ownKey, IReadOnlyCollection<Bytes32> operatorSigners, AddressLookupTable? table)
    {
        if (parsed.AddressTableLookups.Count > 1 || (parsed.AddressTableLookups.Count == 1 && parsed.AddressTableLookups[0].TableAddress != table?.Address))
        {
            return "it loads accounts from a lookup table other than the one given";
        }

        IReadOnlyList<Bytes32> keys;
        try
        {
            keys = parsed.ResolveAccountKeys(table is null ? null : [table]);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return $"its lookup table indexes do not resolve ({ex.Message})";
        }

        if (parsed.StaticAccountKeys.Count == 0 || parsed.Header.RequiredSignatures == 0 || parsed.Header.RequiredSignatures > parsed.StaticAccountKeys.Count)
        {
            return "its header names no fee payer";
        }

        var payer = keys[0];
        if (payer == ownKey)
        {
            return $"this operator's key {Base58.EncodeKey(ownKey)} is its fee payer";
        }

        var ownIndex = IndexOf(keys, ownKey);
        if (ownIndex < 0 || !parsed.IsSigner(ownIndex))
        {
            return $"this operator's key {Base58.EncodeKey(ownKey)} is not among its signers";
        }

        if (parsed.IsWritable(ownIndex))
        {
            return $"this operator's key {Base58.EncodeKey(ownKey)} is writable in it";
        }

        var destinations = ChunkTransactionBuilder.Destinations(chunk).ToHashSet();
        var expected = new List<Instruction>();
        (int Limit, int Price, int Settle) seen = (0, 0, 0);
        for (var i = 0; i < parsed.Instructions.Count; i++)
        {
            var compiled = parsed.Instructions[i];
            if (compiled.ProgramIdIndex >= keys.Count || compiled.AccountIndexes.Any(a => a >= keys.Count))
            {
                return $"instruction {i} names an account index beyond its {keys.Count} accounts";
            }

            var program = keys[compiled.ProgramIdIndex];
            Bytes32[] accounts = [.. compiled.AccountIndexes.Select(a => keys[a])];
            if (program == WellKnown.ComputeBudgetProgram)
            {
                var kind = compiled.Data is [2, _, _, _, _] ? 2 : compiled.Data is [3, _, _, _, _, _, _, _, _] ? 3 : 0;
                if (accounts.Length != 0 || kind == 0 || (kind == 2 ? ++seen.Limit : ++seen.Price) > 1)
                {
                    return $"instruction {i} is a compute-budget instruction other than one unit limit and one unit price";
                }

                expected.Add(new Instruction(program, [], compiled.Data));
            }
            else if (program == WellKnown.AssociatedTokenProgram)
            {
                if (accounts.Length != 6 || !destinations.Contains((accounts[2], accounts[3])))
                {
                    return $"instruction {i} creates a token account the chunk does not pay to";
                }

                expected.Add(AssociatedTokenProgram.CreateIdempotent(payer, accounts[2], accounts[3]));
            }
            else if (program == escrow.ProgramId)
            {
                if (++seen.Settle > 1)
                {
                    return $"instruction {i} is a second escrow instruction";
                }

                if (SettleRefusal(compiled.Data, accounts, chunk, ownKey, operatorSigners) is { } wrong)
                {
                    return $"instruction {i}: {wrong}";
                }

                var attestors = accounts.Skip(SettleFixedAccounts).Take(compiled.Data[SettleHeaderSize - 2]).ToArray();
                var actions = chunk.Actions.Select(a => EscrowSettleAction.From(a, a.Kind == ActionKind.Release ? default : ProgramAddress.AssociatedTokenAccount(a.Account, a.Token))).ToArray();
                expected.Add(escrow.Settle(payer, chunk.ChainId, chunk.EpochId, chunk.Index, chunk.BatchRoot, attestors, actions));
            }
            else
            {
                return $"instruction {i} invokes program {Base58.EncodeKey(program)}, which is neither the compute budget, the associated token account program nor the escrow";
            }
        }

        if (seen.Settle == 0)
        {
            return "it holds no escrow Settle";
        }

        var rebuilt = table is null
            ? MessageCompiler.Compile(payer, expected, parsed.RecentBlockhash)
            : MessageCompiler.CompileV0(payer, expected, parsed.RecentBlockhash, [table]);
        return parsed.Version == rebuilt.Version && bytes.SequenceEqual(rebuilt.Serialize())
            ? null
            : "its accounts, flags or data differ from the settle of the attested chunk";
    }

    // The Settle's own header: the attested epoch, chunk and root, and attestors that are registered operators' signers, this one among them.
    private static string? SettleRefusal(byte[] data, Bytes32[] accounts, SettlementChunk chunk, Bytes32 ownKey, IReadOnlyCollection<Bytes32> operatorSigners)
    {
        if (data.Length < SettleHeaderSize || data[0] != (byte)EscrowInstruction.Settle)
        {
            return "an escrow instruction other than Settle";
        }

        var epoch = BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(1));
        var index = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(9));
        var root = new Bytes32(data.AsSpan(13, 32));
        if (epoch != chunk.EpochId || index != chunk.Index)
        {
            return $"settles epoch {epoch} chunk {index}, not the attested epoch {chunk.EpochId} chunk {chunk.Index}";
        }

        if (root != chunk.BatchRoot)
        {
            return $"names batch root {root}, not the attested root {chunk.BatchRoot}";
        }

        int count = data[SettleHeaderSize - 2];
        if (accounts.Length < SettleFixedAccounts + count)
        {
            return $"names {count} attestors but carries fewer accounts";
        }

        var attestors = accounts.Skip(SettleFixedAccounts).Take(count).ToArray();
        var strangers = attestors.Where(a => !operatorSigners.Contains(a)).ToArray();
        if (strangers.Length > 0)
        {
            return $"attestor {Base58.EncodeKey(strangers[0])} is no operator's signer";
        }

        return attestors.Contains(ownKey) ? null : $"this operator's key {Base58.EncodeKey(ownKey)} is not one of its attestors";
    }

    private static int IndexOf(IReadOnlyList<Bytes32> keys, Bytes32 key)
    {
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i] == key)
            {
                return i;
            }
        }

        return -1;
    }
}
