using System.ComponentModel.DataAnnotations;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Core.Assets;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>What the epoch loop needs besides its stores and chains: clearing settings, triggers, margin, settlement policy.</summary>
internal sealed class EpochLoopOptions
{
    /// <summary>This replica's name in the lease.</summary>
    [Required]
    public string NodeId { get; set; } = "node";

    /// <summary>How long the lease lasts without renewal; the loop renews it at every step.</summary>
    public TimeSpan LeaseTimeToLive { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often the loop checks the triggers of the open epoch (and retries a step that could not proceed).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest wait after a step failed (the store or a chain's RPC is down): the wait starts at
    /// <see cref="PollInterval"/> and doubles per consecutive failure up to this; a step that succeeds resets it.
    /// </summary>
    public TimeSpan StepFailureMaxDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>When set, no epoch after this one closes (the devnet's <c>--epochs N</c>); null: epochs go on.</summary>
    public ulong? LastEpoch { get; set; }

    [Range(0, 10_000)]
    public uint FeeBps { get; set; } = 10;

    [Range(0, 10_000)]
    public uint SpreadBps { get; set; } = 50;

    /// <summary>Intents whose deadline falls before close time + this are refunded (the time the batch needs to settle).</summary>
    public ulong SettlementMarginSeconds { get; set; } = 120;

    public EpochBookOptions Triggers { get; set; } = new();

    public MarginParameters Margin { get; set; } = new();

    /// <summary>The asset registry; reference prices in it are replaced by the price feed's at every close.</summary>
    public IReadOnlyList<Asset> Assets { get; set; } = [];

    /// <summary>
    /// The time one round of a chunk may take, retries included; long enough to cover EVM finality (the submitter
    /// waits its confirmation depth before it returns). Past it the round fails and the chunk waits for its next
    /// round: no chunk is ever abandoned.
    /// </summary>
    public TimeSpan ChunkDeadline { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Retries of a chunk submission after its first attempt.</summary>
    [Range(0, 100)]
    public int ChunkRetries { get; set; } = 4;

    /// <summary>The first retry's delay; later ones back off exponentially with jitter.</summary>
    public TimeSpan ChunkRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The first wait before a chunk (a Release, a payout whose Release is final, a refund) is tried again after a round
    /// of attempts failed; later waits double up to <see cref="OwedChunkRetryMaxDelay"/>, with jitter. No chunk is ever abandoned.
    /// </summary>
    public TimeSpan OwedChunkRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between two rounds of a chunk.</summary>
    public TimeSpan OwedChunkRetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Failed attempts on one chain (within the breaker's window) after which its circuit opens.</summary>
    [Range(2, 10_000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>How long an open circuit refuses submissions on its chain.</summary>
    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks every key; the message names the bad one.</summary>
    public void Validate()
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true))
        {
            throw new ArgumentException($"Node: {string.Join("; ", results.Select(r => $"{string.Join(",", r.MemberNames)}: {r.ErrorMessage}"))}");
        }

        Triggers.Validate();
        Margin.Validate();
        if (Assets.Count == 0)
        {
            throw new ArgumentException("Node:Assets is empty; an epoch needs at least one asset.");
        }

        _ = new AssetRegistry(Assets);
        RequirePositive(LeaseTimeToLive, nameof(LeaseTimeToLive));
        RequirePositive(PollInterval, nameof(PollInterval));
        RequirePositive(ChunkDeadline, nameof(ChunkDeadline));
        RequirePositive(BreakerBreakDuration, nameof(BreakerBreakDuration));
        RequirePositive(OwedChunkRetryDelay, nameof(OwedChunkRetryDelay));
        if (OwedChunkRetryMaxDelay < OwedChunkRetryDelay)
        {
            throw new ArgumentException($"Node:OwedChunkRetryMaxDelay ({OwedChunkRetryMaxDelay}) must not be below Node:OwedChunkRetryDelay ({OwedChunkRetryDelay}).");
        }

        if (StepFailureMaxDelay < PollInterval)
        {
            throw new ArgumentException($"Node:StepFailureMaxDelay ({StepFailureMaxDelay}) must not be below Node:PollInterval ({PollInterval}).");
        }

        if (ChunkRetryDelay < TimeSpan.Zero)
        {
            throw new ArgumentException($"Node:ChunkRetryDelay must not be negative, got {ChunkRetryDelay}.");
        }
    }

    private static void RequirePositive(TimeSpan value, string key)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Node:{key} must be positive, got {value}.");
        }
    }
}
