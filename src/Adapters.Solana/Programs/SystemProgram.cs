using DiscreteExec.Adapters.Solana.Codec;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>Instructions of the System program (bincode: u32 tag, then fields).</summary>
public static class SystemProgram
{
    public static Instruction CreateAccount(Bytes32 payer, Bytes32 newAccount, ulong lamports, ulong space, Bytes32 owner)
    {
        var data = new InstructionData(stackalloc byte[52]);
        data.U32(0);
        data.U64(lamports);
        data.U64(space);
        data.Key(owner);
        return new Instruction(WellKnown.SystemProgram, [AccountMeta.Writable(payer, true), AccountMeta.Writable(newAccount, true)], data.ToArray());
    }

    public static Instruction Transfer(Bytes32 from, Bytes32 to, ulong lamports)
    {
        var data = new InstructionData(stackalloc byte[12]);
        data.U32(2);
        data.U64(lamports);
        return new Instruction(WellKnown.SystemProgram, [AccountMeta.Writable(from, true), AccountMeta.Writable(to)], data.ToArray());
    }
}
