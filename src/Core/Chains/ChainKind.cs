namespace DiscreteExec.Core.Chains;

/// <summary>Which family a chain belongs to: declared per chain in configuration, never guessed from an address.</summary>
public enum ChainKind : byte
{
    Evm = 0,
    Solana = 1,
}
