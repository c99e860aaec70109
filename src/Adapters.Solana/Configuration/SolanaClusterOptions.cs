using System.ComponentModel.DataAnnotations;
using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Configuration;

/// <summary>
/// One Solana cluster the relayer follows and settles on, bound from <c>Solana:Clusters:&lt;name&gt;</c>.
/// Validated by <see cref="SolanaClusterOptionsValidator"/> at start-up.
/// </summary>
public sealed class SolanaClusterOptions
{
    public const string SectionPrefix = "Solana:Clusters";

    /// <summary>The JSON-RPC endpoint (http or https).</summary>
    [Required]
    public Uri? RpcUrl { get; set; }

    /// <summary>The chain id this cluster has in DiscreteExec (the escrow's config holds the same number).</summary>
    [Range(1, ulong.MaxValue)]
    public ulong ChainId { get; set; }

    /// <summary>The escrow program id, base58.</summary>
    [Required]
    public string ProgramId { get; set; } = "";

    /// <summary>What the watcher reads and the submitter waits for: Confirmed or Finalized (Processed can roll back).</summary>
    public Commitment Commitment { get; set; } = Commitment.Finalized;

    /// <summary>Watcher polling interval.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often the watcher reconciles against the deposit counter on its own while its polls keep failing (every
    /// successful poll reconciles anyway), so that a gap is closed from state even when the event path is broken.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Signatures per getSignaturesForAddress page (the RPC allows 1..1000).</summary>
    [Range(1, 1000)]
    public int SignaturePageSize { get; set; } = 1000;

    /// <summary>Priority fee in micro-lamports per compute unit (0: none).</summary>
    [Range(0ul, 100_000_000ul)]
    public ulong ComputeUnitPrice { get; set; }

    /// <summary>Compute unit limit requested per settlement transaction; chunks are sized to stay below it.</summary>
    [Range(50_000u, 1_400_000u)]
    public uint ComputeUnitLimit { get; set; } = 1_400_000;

    /// <summary>Per-attempt timeout of one JSON-RPC request.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient RPC fault (timeouts, 429, 5xx, node behind).</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>First retry delay; later ones back off exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

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
    /// Releases per Release chunk (the chunk planner's limit, the same on every node). The default is the most that
    /// always fits one legacy transaction (1232 bytes) with 2 attestors and a distinct mint per intent.
    /// </summary>
    [Range(1, 32)]
    public int MaxReleasesPerChunk { get; set; } = DefaultMaxReleasesPerChunk;

    /// <summary>
    /// Refunds, Payouts and Withdraws per transfer chunk. The default always fits one legacy transaction in the worst
    /// case: a payer besides 2 attestors, a distinct recipient and a distinct mint per action, and each recipient's
    /// token account created (two such transfers take 1285 bytes). A cluster with one registered mint can use 2; the
    /// submitter refuses, by chunk, any chunk that does not fit.
    /// </summary>
    [Range(1, 32)]
    public int MaxTransfersPerChunk { get; set; } = DefaultMaxTransfersPerChunk;

    public const int DefaultMaxReleasesPerChunk = 4;
    public const int DefaultMaxTransfersPerChunk = 1;

    /// <summary>How many times one chunk is rebuilt with a fresh blockhash and re-signed before the leg fails.</summary>
    [Range(1, 50)]
    public int MaxRebuildsPerChunk { get; set; } = 5;

    /// <summary>The escrow program id, parsed; valid only after validation.</summary>
    public Bytes32 ProgramKey => Codec.Base58.DecodeKey(ProgramId);

    public ChainId Chain => new(ChainId);
}
