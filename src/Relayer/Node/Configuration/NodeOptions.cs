using System.ComponentModel.DataAnnotations;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>
/// Everything one node reads from node.json (and <c>DISCRETEEXEC__</c> environment overrides), bound and validated by
/// <see cref="NodeOptionsLoader"/> before the host starts. The sections <c>Bus</c> and <c>Store</c> are bound by
/// their own options classes; each chain's <c>Adapter</c> section by the adapter's options (see <see cref="ChainAdapterOptions"/>).
/// </summary>
internal sealed class NodeOptions
{
    public NodeIdentityOptions Node { get; set; } = new();

    public List<NodeChainOptions> Chains { get; set; } = [];

    public List<NodeAssetOptions> Assets { get; set; } = [];

    public PriceFeedOptions PriceFeed { get; set; } = new();

    /// <summary>The epoch triggers: the Aggregator's own options, bound as they are.</summary>
    public EpochBookOptions Epochs { get; set; } = new();

    public ClearingOptions Clearing { get; set; } = new();

    public MarginOptions Margin { get; set; } = new();

    /// <summary>How settlement chunks are submitted: the per-round deadline and the retries within a round.</summary>
    public SettlementOptions Settlement { get; set; } = new();

    /// <summary>The HTTP API (routes, event stream, proofs).</summary>
    public ApiOptions Api { get; set; } = new();

    /// <summary>Trace export over OTLP (metrics are served by the API at <c>/metrics</c>).</summary>
    public TelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The operators that co-sign each epoch and this node's place among them (empty: the node alone).</summary>
    public OperatorSetOptions OperatorSet { get; set; } = new();
}

/// <summary>Who this node is and where it keeps its files.</summary>
internal sealed class NodeIdentityOptions
{
    /// <summary>The node's name in logs, leases and events: lower-case letters, digits and '-'.</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")]
    public string NodeId { get; set; } = string.Empty;

    /// <summary>Checkpoints, the embedded store's files and the devnet's written config live here (created when missing).</summary>
    [Required]
    public string DataDirectory { get; set; } = string.Empty;

    /// <summary>How long Ctrl+C / SIGTERM waits for the node's services to stop before the process exits anyway.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Text: one line per event with its scopes; Json: one JSON object per event, scopes and fields as properties.</summary>
    public NodeLogFormat LogFormat { get; set; } = NodeLogFormat.Text;

    /// <summary>How long the epoch loop's lease lasts without renewal: a standby takes over at most this long after the active node died.</summary>
    [Range(typeof(TimeSpan), "00:00:02", "00:10:00")]
    public TimeSpan LeaseTimeToLive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the epoch loop checks the open epoch's triggers (and a standby tries to take the lease).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}

/// <summary>How the node writes its log to the console.</summary>
internal enum NodeLogFormat
{
    Text,
    Json,
}

/// <summary>
/// One chain the node watches and settles on. Its <c>Adapter</c> section holds the adapter's own keys (RPC URL, escrow,
/// finality, fees) and is bound into the adapter's options type by <see cref="ChainAdapterOptions"/>.
/// </summary>
internal sealed class NodeChainOptions
{
    /// <summary>The chain's name in logs and service keys (e.g. <c>sepolia</c>).</summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")]
    public string Name { get; set; } = string.Empty;

    /// <summary>Evm or Solana, declared: never guessed from an address.</summary>
    [Required]
    public ChainKind? Kind { get; set; }

    /// <summary>The chain id in DiscreteExec (EIP-155 id for EVM chains; the escrow's configured id for Solana).</summary>
    [Range(1ul, ulong.MaxValue, ErrorMessage = "required (a positive integer)")]
    public ulong ChainId { get; set; }

    /// <summary>Where the chain's signing keys are read from.</summary>
    public ChainKeyOptions Keys { get; set; } = new();

    public ChainId Chain => new(ChainId);
}

/// <summary>The keys one chain needs: the account that pays for settlement transactions and the operator's attestor keys.</summary>
internal sealed class ChainKeyOptions
{
    /// <summary>Pays for and sends settlement transactions (EVM: the relayer account; Solana: the fee payer).</summary>
    public KeySourceOptions? Submitter { get; set; }

    /// <summary>The operator's keys in the escrow's signer set.</summary>
    public List<KeySourceOptions> Attestors { get; set; } = [];
}

/// <summary>
/// Where one secret key is: a file (EVM: hex private key; Solana: a Solana CLI keypair JSON) or the name of an
/// environment variable holding it. Never the key itself.
/// </summary>
internal sealed class KeySourceOptions
{
    public string? File { get; set; }

    public string? EnvironmentVariable { get; set; }
}

/// <summary>An asset the node clears: its id, its token on each chain, and where its reference price comes from.</summary>
internal sealed class NodeAssetOptions
{
    [Required]
    [RegularExpression("^[A-Za-z0-9._-]{1,32}$", ErrorMessage = "must be 1-32 letters, digits, '.', '_' or '-'")]
    public string AssetId { get; set; } = string.Empty;

    /// <summary>Numeraire per whole token scaled 1e18: the Static feed's price and the RandomWalk feed's start.</summary>
    public UInt256 ReferencePrice { get; set; }

    /// <summary>The asset's property in the Http feed's JSON object (default: the asset id).</summary>
    public string? PriceKey { get; set; }

    public List<AssetTokenOptions> Tokens { get; set; } = [];

    public string EffectivePriceKey => string.IsNullOrEmpty(PriceKey) ? AssetId : PriceKey;
}

/// <summary>The asset's token on one chain.</summary>
internal sealed class AssetTokenOptions
{
    /// <summary>The chain's <see cref="NodeChainOptions.Name"/>.</summary>
    [Required]
    public string Chain { get; set; } = string.Empty;

    /// <summary>EVM: the ERC-20 address (0x...); Solana: the mint (base58).</summary>
    [Required]
    public string Token { get; set; } = string.Empty;

    [Range(0, 18)]
    public int Decimals { get; set; }

    /// <summary>The margin engine flags this chain's pool for rebalancing below this balance (native units; 0: never).</summary>
    public UInt256 PoolFloor { get; set; }
}

/// <summary>Fee, spread and settlement margin of each epoch's clearing (mapped to the epoch loop's options by the host).</summary>
internal sealed class ClearingOptions
{
    [Range(0u, 10_000u)]
    public uint FeeBps { get; set; } = 5;

    [Range(0u, 10_000u)]
    public uint SpreadBps { get; set; } = 10;

    /// <summary>An intent whose deadline is closer than this to the epoch's close is refunded, not filled.</summary>
    [Range(0ul, 86_400ul)]
    public ulong SettlementMarginSeconds { get; set; } = 600;
}

/// <summary>
/// How settlement chunks are submitted (mapped to the epoch loop's options by the host). A round of attempts runs
/// under <see cref="ChunkDeadline"/>; a chunk whose round failed waits for its next round: no chunk is ever abandoned.
/// </summary>
internal sealed class SettlementOptions
{
    /// <summary>The time one round of a chunk may take, retries included: long enough for EVM finality (the submitter waits its confirmation depth).</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan ChunkDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries of a chunk submission within a round, after its first attempt.</summary>
    [Range(0, 100)]
    public int ChunkRetries { get; set; } = 4;

    /// <summary>The first retry's delay within a round; later ones back off exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ChunkRetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>The margin engine's limits, per (chain, token) pool.</summary>
internal sealed class MarginOptions
{
    /// <summary>The share of a pool the next epoch's net outflow may use.</summary>
    [Range(1u, 10_000u)]
    public uint PoolShareBps { get; set; } = 5_000;
}
