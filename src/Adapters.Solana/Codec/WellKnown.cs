namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>Program ids and sysvars of the Solana runtime that this adapter uses.</summary>
public static class WellKnown
{
    public static readonly Bytes32 SystemProgram = Base58.DecodeKey("11111111111111111111111111111111");
    public static readonly Bytes32 TokenProgram = Base58.DecodeKey("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA");
    public static readonly Bytes32 AssociatedTokenProgram = Base58.DecodeKey("ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL");
    public static readonly Bytes32 ComputeBudgetProgram = Base58.DecodeKey("ComputeBudget111111111111111111111111111111");
}
