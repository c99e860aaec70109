namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>How settled a read or a confirmation must be. <see cref="Processed"/> may still be rolled back.</summary>
public enum Commitment
{
    Processed = 0,
    Confirmed = 1,
    Finalized = 2,
}

/// <summary>A recent blockhash and the last block height at which a transaction using it can land.</summary>
public sealed record LatestBlockhash(Bytes32 Blockhash, ulong LastValidBlockHeight, ulong ContextSlot);

/// <summary>An entry of <c>getSignaturesForAddress</c> (newest first).</summary>
public sealed record SignatureInfo(string Signature, ulong Slot, bool Failed, long? BlockTime);

/// <summary>An entry of <c>getSignatureStatuses</c>.</summary>
public sealed record SignatureStatus(ulong Slot, Commitment? ConfirmationStatus, TransactionError? Error);

/// <summary>The parts of <c>getTransaction</c> the adapter reads.</summary>
public sealed record TransactionDetails(string Signature, ulong Slot, long? BlockTime, TransactionError? Error, IReadOnlyList<string> LogMessages)
{
    /// <summary>The transaction's message, account keys and inner instructions; null when the node sent none or bytes that do not decode (<see cref="ContentsError"/> says which).</summary>
    public TransactionContents? Contents { get; init; }

    /// <summary>Why <see cref="Contents"/> is null, when it is.</summary>
    public string? ContentsError { get; init; }
}

/// <summary>
/// What a landed transaction did: its <paramref name="Message"/>, every account key its instructions index
/// (<paramref name="AccountKeys"/>: the static keys, then the keys its lookup tables loaded, writable first, as
/// <c>meta.loadedAddresses</c> gives them) and the instructions each top-level instruction invoked
/// (<paramref name="InnerInstructions"/>, by that instruction's index; null when the node does not report them).
/// </summary>
public sealed record TransactionContents(
    Codec.Message Message,
    IReadOnlyList<Bytes32> AccountKeys,
    IReadOnlyDictionary<int, IReadOnlyList<Codec.CompiledInstruction>>? InnerInstructions);

/// <summary>An account as <c>getAccountInfo</c> returns it (base64 data decoded).</summary>
public sealed record AccountInfo(ulong Lamports, Bytes32 Owner, byte[] Data, bool Executable);

/// <summary>Options of <c>sendTransaction</c>.</summary>
public sealed record SendOptions(bool SkipPreflight = false, Commitment PreflightCommitment = Commitment.Confirmed);

/// <summary>
/// Which signatures to page through (<c>before</c> and <c>until</c> exclusive); with <paramref name="MinContextSlot"/>
/// a node that has not reached that slot refuses to answer (-32016) instead of listing from behind.
/// </summary>
public sealed record SignaturePage(string? Before, string? Until, int Limit, ulong? MinContextSlot = null);

/// <summary>An account as <c>getAccountInfo</c> returns it (null when absent) and the slot the node answered at (<c>context.slot</c>).</summary>
public sealed record AccountAtSlot(AccountInfo? Account, ulong ContextSlot);

/// <summary>What <c>simulateTransaction</c> reports: the error (null on success), the logs and the compute units consumed.</summary>
public sealed record SimulationResult(TransactionError? Error, IReadOnlyList<string> Logs, ulong? UnitsConsumed);

/// <summary>One entry of <c>getRecentPrioritizationFees</c>: a slot and the fee, micro-lamports per compute unit.</summary>
public readonly record struct PrioritizationFee(ulong Slot, ulong MicroLamportsPerUnit);
