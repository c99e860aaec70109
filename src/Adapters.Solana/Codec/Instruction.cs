namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>An account an instruction reads or writes, and whether it must sign.</summary>
public readonly record struct AccountMeta(Bytes32 Key, bool IsSigner, bool IsWritable)
{
    public static AccountMeta Writable(Bytes32 key, bool isSigner = false) => new(key, isSigner, true);

    public static AccountMeta ReadOnly(Bytes32 key, bool isSigner = false) => new(key, isSigner, false);
}

/// <summary>One instruction before compilation into a message: program, accounts in order, data.</summary>
public sealed record Instruction(Bytes32 ProgramId, IReadOnlyList<AccountMeta> Accounts, ReadOnlyMemory<byte> Data);
