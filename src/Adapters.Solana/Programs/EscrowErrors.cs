namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>The escrow program's custom error codes (<c>InstructionError::Custom(n)</c>), from its README's table.</summary>
internal static class EscrowErrors
{
    public const uint SignerNotRegistered = 19;
    public const uint ChunkAlreadyApplied = 22;
    public const uint AlreadyPaid = 23;
    public const uint AlreadyWithdrawn = 36;

    private static readonly string[] Names =
    [
        "", "InvalidInstruction", "NotEnoughAccounts", "MissingSigner", "NotWritable", "WrongOwner", "WrongAccountType", "InvalidPda",
        "WrongProgramId", "AlreadyInitialized", "Unauthorized", "Paused", "ZeroAmount", "DeadlinePassed", "UnknownDestinationChain",
        "ZeroRecipient", "WrongMint", "WrongTokenOwner", "WrongVault", "SignerNotRegistered", "DuplicateSigner", "BelowThreshold",
        "ChunkAlreadyApplied", "AlreadyPaid", "InsufficientPool", "IntentNotOpen", "TooEarly", "InvalidThreshold", "IntentMismatch",
        "ArithmeticOverflow", "InvalidActionField", "MixedChunk", "ReleaseWindowClosed", "InvalidGrace", "InvalidDelay", "NoPendingChange",
        "AlreadyWithdrawn", "Undeliverable",
    ];

    /// <summary>The error's name, or null for a code the program does not define.</summary>
    public static string? NameOf(uint code) => code > 0 && code < Names.Length ? Names[code] : null;
}
