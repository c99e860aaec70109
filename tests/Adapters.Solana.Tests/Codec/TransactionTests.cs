using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Tests.Vectors;

namespace DiscreteExec.Adapters.Solana.Tests.Codec;

public sealed class TransactionTests
{
    [Theory]
    [InlineData("legacy")]
    [InlineData("v0")]
    [InlineData("v0-settle")]
    public void Deserialize_KitTransaction_ReserializesToSameBytes(string name)
    {
        var v = Vector(name);
        var wire = Convert.FromBase64String(v.Str("wireBase64"));
        var tx = Transaction.Deserialize(wire);
        Assert.Equal(wire, tx.Serialize());
        Assert.Equal(v.Hex("messageHex"), tx.Message.Serialize());
        Assert.Equal(name.StartsWith("v0", StringComparison.Ordinal) ? MessageVersion.V0 : MessageVersion.Legacy, tx.Message.Version);
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("v0")]
    [InlineData("v0-settle")]
    public void Sign_KitMessage_SameSignaturesAndWireBytes(string name)
    {
        var v = Vector(name);
        var kitMessage = Message.Deserialize(v.Hex("messageHex"));
        var keys = v.GetProperty("signers").EnumerateArray().Select(s => SolanaKeypair.FromSeed(Convert.FromHexString(s.GetString()!))).ToList();
        var tx = Transaction.Sign(kitMessage, keys);
        Assert.Equal(Convert.FromBase64String(v.Str("wireBase64")), tx.Serialize());
        keys.ForEach(k => k.Dispose());
    }

    /// <summary>
    /// Kit orders accounts within a role by ICU collation of base58 text, the Rust SDK (and this compiler) bytewise;
    /// both are valid, so the compiled message is compared by meaning: same header, same accounts per role, same
    /// instructions after resolving indexes — and kit's own bytes are decoded and resolved the same way.
    /// </summary>
    [Theory]
    [InlineData("legacy")]
    [InlineData("v0")]
    [InlineData("v0-settle")]
    public void Compile_KitInstructions_SameMeaningAsKit(string name)
    {
        var v = Vector(name);
        var instructions = v.GetProperty("instructions").EnumerateArray().Select(ToInstruction).ToList();
        var feePayer = v.TryGetProperty("feePayer", out var payer) ? Base58.DecodeKey(payer.GetString()!) : instructions[0].Accounts[0].Key;
        var blockhash = Base58.DecodeKey(v.Str("blockhash"));
        AddressLookupTable[] tables = [];
        Message ours;
        if (v.TryGetProperty("lookupTable", out _))
        {
            var t = v.GetProperty("lookupTable");
            tables = [new AddressLookupTable(Base58.DecodeKey(t.Str("address")), [.. t.GetProperty("addresses").EnumerateArray().Select(a => Base58.DecodeKey(a.GetString()!))])];
            ours = MessageCompiler.CompileV0(feePayer, instructions, blockhash, tables);
        }
        else
        {
            ours = MessageCompiler.Compile(feePayer, instructions, blockhash);
        }

        var kit = Message.Deserialize(v.Hex("messageHex"));
        Assert.Equal(kit.Header, ours.Header);
        Assert.Equal(kit.StaticAccountKeys[0], ours.StaticAccountKeys[0]);
        Assert.Equal(kit.StaticAccountKeys.Order(), ours.StaticAccountKeys.Order());
        Assert.Equal(kit.AddressTableLookups.Count, ours.AddressTableLookups.Count);
        Assert.Equal(Describe(kit, tables), Describe(ours, tables));
        Assert.Equal(Keys(kit, tables), instructions.Select(ix => $"{ix.ProgramId}:{string.Join(',', ix.Accounts.Select(a => a.Key))}:{Convert.ToHexString(ix.Data.Span)}"));
        Assert.Equal(kit.Serialize().Length, ours.Serialize().Length);
    }

    // The settlement shape: every account that neither signs nor is invoked comes from the table, so the static keys
    // are the signers and the programs only; the chunk builder's rule for what goes in the table is the same set.
    [Fact]
    public void Compile_KitSettleChunk_OnlySignersAndProgramsStatic()
    {
        var v = Vector("v0-settle");
        var kit = Message.Deserialize(v.Hex("messageHex"));
        var instructions = v.GetProperty("instructions").EnumerateArray().Select(ToInstruction).ToList();
        var programs = instructions.Select(i => i.ProgramId).ToHashSet();
        Assert.All(kit.StaticAccountKeys.Skip(kit.Header.RequiredSignatures), k => Assert.Contains(k, programs));
        var table = v.GetProperty("lookupTable").GetProperty("addresses").EnumerateArray().Select(a => Base58.DecodeKey(a.GetString()!));
        Assert.Equal(table, Solana.Settlement.ChunkTransactionBuilder.LookupAddresses(instructions));
        Assert.Equal(table.Count(), kit.AddressTableLookups.Sum(l => l.WritableIndexes.Length + l.ReadOnlyIndexes.Length));
    }

    [Fact]
    public void LookupTableAddress_SameAsKitProgramDerivedAddress()
    {
        foreach (var v in KitVectors.Array("lookupTableAddresses"))
        {
            var (address, bump) = Solana.Programs.AddressLookupTableProgram.Derive(Base58.DecodeKey(v.Str("authority")), ulong.Parse(v.Str("slot"), System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(v.Str("address"), Base58.EncodeKey(address));
            Assert.Equal(v.GetProperty("bump").GetInt32(), bump);
        }
    }

    [Fact]
    public void Compile_ProgramMarkedWritable_Throws()
    {
        var program = new Bytes32(Enumerable.Repeat((byte)7, 32).ToArray());
        var ix = new Instruction(program, [AccountMeta.Writable(program)], Array.Empty<byte>());
        Assert.Throws<InvalidOperationException>(() => MessageCompiler.Compile(Bytes32.Zero, [ix], Bytes32.Zero));
    }

    [Fact]
    public void FromSignatures_WrongSignature_Throws()
    {
        using var payer = SolanaKeypair.FromSeed(new byte[32]);
        var message = MessageCompiler.Compile(payer.PublicKey, [Solana.Programs.SystemProgram.Transfer(payer.PublicKey, Bytes32.FromUInt64(9), 1)], Bytes32.Zero);
        Assert.Throws<ArgumentException>(() => Transaction.FromSignatures(message, [new byte[64]]));
        var good = Transaction.Sign(message, [payer]);
        Assert.Equal(good.Serialize(), Transaction.FromSignatures(message, [good.Signatures[0]]).Serialize());
    }

    private static JsonElement Vector(string name) => KitVectors.Array("transactions").Single(t => t.Str("name") == name);

    internal static Instruction ToInstruction(JsonElement ix) =>
        new(
            Base58.DecodeKey(ix.Str("programId")),
            [.. ix.GetProperty("accounts").EnumerateArray().Select(a => new AccountMeta(Base58.DecodeKey(a.Str("address")), a.GetProperty("signer").GetBoolean(), a.GetProperty("writable").GetBoolean()))],
            ix.Hex("dataHex"));

    private static IEnumerable<string> Describe(Message message, IReadOnlyList<AddressLookupTable> tables)
    {
        var keys = message.ResolveAccountKeys(tables);
        return message.Instructions.Select(ix =>
            $"{Base58.EncodeKey(keys[ix.ProgramIdIndex])}:{string.Join(',', ix.AccountIndexes.Select(i => $"{Base58.EncodeKey(keys[i])}/{message.IsSigner(i)}/{message.IsWritable(i)}"))}:{Convert.ToHexString(ix.Data)}");
    }

    private static IEnumerable<string> Keys(Message message, IReadOnlyList<AddressLookupTable> tables)
    {
        var keys = message.ResolveAccountKeys(tables);
        return message.Instructions.Select(ix => $"{keys[ix.ProgramIdIndex]}:{string.Join(',', ix.AccountIndexes.Select(i => keys[i]))}:{Convert.ToHexString(ix.Data)}");
    }
}
