using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>The classic SPL Token instructions this adapter and its tests need, and token account decoding.</summary>
public static class TokenProgram
{
    public const int MintSize = 82;
    public const int AccountSize = 165;

    public static Instruction InitializeMint2(Bytes32 mint, byte decimals, Bytes32 mintAuthority, Bytes32? freezeAuthority = null)
    {
        // COption<Pubkey>: tag 0 alone for None, tag 1 and the key for Some.
        var data = new InstructionData(stackalloc byte[67]);
        data.U8(20);
        data.U8(decimals);
        data.Key(mintAuthority);
        data.U8(freezeAuthority.HasValue ? (byte)1 : (byte)0);
        if (freezeAuthority is { } freeze)
        {
            data.Key(freeze);
        }

        return new Instruction(WellKnown.TokenProgram, [AccountMeta.Writable(mint)], data.ToArray());
    }

    public static Instruction InitializeAccount3(Bytes32 account, Bytes32 mint, Bytes32 owner)
    {
        var data = new InstructionData(stackalloc byte[33]);
        data.U8(18);
        data.Key(owner);
        return new Instruction(WellKnown.TokenProgram, [AccountMeta.Writable(account), AccountMeta.ReadOnly(mint)], data.ToArray());
    }

    public static Instruction MintTo(Bytes32 mint, Bytes32 destination, Bytes32 mintAuthority, ulong amount) =>
        AmountInstruction(7, [AccountMeta.Writable(mint), AccountMeta.Writable(destination), AccountMeta.ReadOnly(mintAuthority, true)], amount);

    public static Instruction Transfer(Bytes32 source, Bytes32 destination, Bytes32 authority, ulong amount) =>
        AmountInstruction(3, [AccountMeta.Writable(source), AccountMeta.Writable(destination), AccountMeta.ReadOnly(authority, true)], amount);

    /// <summary>
    /// SetAuthority AccountOwner: hands a token account to <paramref name="newOwner"/>. Classic SPL Token allows it even
    /// on an associated token account, which then no longer belongs to the wallet it was derived from (the escrow
    /// pays such a destination as a claim; tests and the devnet use this to stage that attack).
    /// </summary>
    public static Instruction SetAccountOwner(Bytes32 account, Bytes32 currentOwner, Bytes32 newOwner)
    {
        var data = new InstructionData(new byte[35]);
        data.U8(6);
        data.U8(2); // AuthorityType::AccountOwner
        data.U8(1); // COption::Some
        data.Key(newOwner);
        return new Instruction(WellKnown.TokenProgram, [AccountMeta.Writable(account), AccountMeta.ReadOnly(currentOwner, true)], data.ToArray());
    }

    /// <summary>The amount field (offset 64) of a token account's data.</summary>
    public static ulong ReadAmount(ReadOnlySpan<byte> tokenAccountData) =>
        tokenAccountData.Length >= AccountSize
            ? System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(tokenAccountData[64..])
            : throw new FormatException($"A token account has {AccountSize} bytes, this one {tokenAccountData.Length}.");

    private static Instruction AmountInstruction(byte tag, AccountMeta[] accounts, ulong amount)
    {
        var data = new InstructionData(stackalloc byte[9]);
        data.U8(tag);
        data.U64(amount);
        return new Instruction(WellKnown.TokenProgram, accounts, data.ToArray());
    }
}

/// <summary>The associated token account program.</summary>
public static class AssociatedTokenProgram
{
    /// <summary>Creates <paramref name="owner"/>'s associated token account for <paramref name="mint"/> unless it exists.</summary>
    public static Instruction CreateIdempotent(Bytes32 payer, Bytes32 owner, Bytes32 mint) =>
        new(WellKnown.AssociatedTokenProgram,
            [
                AccountMeta.Writable(payer, true),
                AccountMeta.Writable(ProgramAddress.AssociatedTokenAccount(owner, mint)),
                AccountMeta.ReadOnly(owner),
                AccountMeta.ReadOnly(mint),
                AccountMeta.ReadOnly(WellKnown.SystemProgram),
                AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            new byte[] { 1 });
}

/// <summary>The compute budget program: per-transaction compute unit limit and priority fee.</summary>
public static class ComputeBudgetProgram
{
    public static Instruction SetComputeUnitLimit(uint units)
    {
        var data = new InstructionData(stackalloc byte[5]);
        data.U8(2);
        data.U32(units);
        return new Instruction(WellKnown.ComputeBudgetProgram, [], data.ToArray());
    }

    public static Instruction SetComputeUnitPrice(ulong microLamports)
    {
        var data = new InstructionData(stackalloc byte[9]);
        data.U8(3);
        data.U64(microLamports);
        return new Instruction(WellKnown.ComputeBudgetProgram, [], data.ToArray());
    }
}
