using System.ComponentModel.DataAnnotations;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Solana.Configuration;

/// <summary>
/// One Solana cluster the relayer follows and settles on, bound from <c>Solana:Clusters:&lt;name&gt;</c>.
/// Validated by <see cref="SolanaClusterOptionsValidator"/> at start-up.
/// </summary>
public sealed class SolanaClusterOptions : ChainOptions
{
    public const string SectionPrefix = "Solana:Clusters";

    /// <summary>Kind <see cref="ChainKind.Solana"/>, polling every 2 seconds unless configured; the escrow's config must hold <c>ChainId</c>.</summary>
    public SolanaClusterOptions()
        : base(ChainKind.Solana, TimeSpan.FromSeconds(2))
    {
    }

    /// <summary>The escrow program id, base58.</summary>
    [Required]
    public string ProgramId { get; set; } = "";

    /// <summary>What the watcher reads and the submitter waits for: Confirmed or Finalized (Processed can roll back).</summary>
    public Commitment Commitment { get; set; } = Commitment.Finalized;

    /// <summary>
    /// How often the watcher reconciles against the deposit counter on its own while its polls keep failing (every
    /// successful poll reconciles anyway), so that a gap is closed from state even when the event path is broken.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Signatures per getSignaturesForAddress page (the RPC allows 1..1000).</summary>
    [Range(1, 1000)]
    public int SignaturePageSize { get; set; } = 1000;

    /// <summary>
    /// Lowest priority fee, micro-lamports per CU (0: none). The fee paid is the <see cref="PriorityFeePercentile"/>
    /// of <c>getRecentPrioritizationFees</c> over the chunk's written accounts, at least this, at most
    /// <see cref="MaxComputeUnitPrice"/>.
    /// </summary>
    [Range(0ul, 100_000_000ul)]
    public ulong ComputeUnitPrice { get; set; }

    /// <summary>Highest priority fee, micro-lamports per CU: caps the estimate from recent fees (0: never above <see cref="ComputeUnitPrice"/>).</summary>
    [Range(0ul, 100_000_000ul)]
    public ulong MaxComputeUnitPrice { get; set; } = 1_000_000;

    /// <summary>Which percentile of the recent per-slot fees the priority fee follows.</summary>
    [Range(0, 100)]
    public int PriorityFeePercentile { get; set; } = 75;

    /// <summary>
    /// Compute limit requested: what <c>simulateTransaction</c> consumed plus the reserve for every transfer turning
    /// into a claim, plus this percentage, capped at 1,400,000.
    /// </summary>
    [Range(0, 200)]
    public int ComputeUnitMarginPercent { get; set; } = 20;

    /// <summary>
    /// The settlement transactions' address lookup table: empty for legacy transactions (the fallback); <c>auto</c>
    /// to let the submitter create one (address derived from the payer and a recent slot, remembered while the
    /// process runs) and replace it by a fresh one when it is full; or the base58 address of a table whose
    /// authority is the payer (kept across restarts). Either way the submitter extends it with the accounts each
    /// chunk touches before sending the chunk, and waits the one slot until they are usable.
    /// </summary>
    public string? LookupTable { get; set; }

    /// <summary>Whether settlement transactions are v0 over a lookup table.</summary>
    public bool UsesLookupTable => !string.IsNullOrWhiteSpace(LookupTable);

    /// <summary>The configured table address; null for none or <c>auto</c>.</summary>
    public Bytes32? LookupTableKey => UsesLookupTable && !string.Equals(LookupTable, AutoLookupTable, StringComparison.OrdinalIgnoreCase) ? Codec.Base58.DecodeKey(LookupTable!) : null;

    public const string AutoLookupTable = "auto";

    /// <summary>Compute unit limit requested per settlement transaction; chunks are sized to stay below it.</summary>
    [Range(50_000u, 1_400_000u)]
    public uint ComputeUnitLimit { get; set; } = 1_400_000;

    /// <summary>How often the submitter polls a sent transaction's status.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ConfirmPollInterval { get; set; } = TimeSpan.FromMilliseconds(400);

    /// <summary>
    /// While a sent transaction is unseen and its blockhash still valid, the same signed bytes are re-sent this often
    /// (same signature, so it can land at most once); leaders drop transactions under load.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Releases per Release chunk (the chunk planner's limit: nodes that plan together configure the same). Unset: the
    /// most that always fit one transaction (1232 bytes, 64 account locks, <see cref="ComputeUnitLimit"/>) in the
    /// worst case for this node's number of attestor keys, computed at start-up (ChunkTransactionBuilder.WorstCaseLimits):
    /// a payer besides the attestors, a priority fee, a distinct mint per intent. With 2 attestors: 4 legacy, 9 with
    /// a lookup table; with 3: 3 and 8.
    /// </summary>
    [Range(1, 32)]
    public int? MaxReleasesPerChunk { get; set; }

    /// <summary>
    /// Refunds, Payouts and Withdraws per transfer chunk. Unset: the most that always fit one transaction in the
    /// worst case, computed like <see cref="MaxReleasesPerChunk"/> with also a distinct recipient per action and each
    /// recipient's token account created. With 2 attestors: 1 legacy, 7 with a lookup table; with 3: 1 and 6. A set
    /// value is the operator's promise (e.g. 8 with a lookup table when the payer is one of 2 attestors and the leg
    /// pays one mint); the submitter refuses, by chunk, any chunk that does not fit.
    /// </summary>
    [Range(1, 32)]
    public int? MaxTransfersPerChunk { get; set; }

    /// <summary>How many times one chunk is rebuilt with a fresh blockhash and re-signed before the leg fails.</summary>
    [Range(1, 50)]
    public int MaxRebuildsPerChunk { get; set; } = 5;

    /// <summary>The escrow program id, parsed; valid only after validation.</summary>
    public Bytes32 ProgramKey => Codec.Base58.DecodeKey(ProgramId);
}
