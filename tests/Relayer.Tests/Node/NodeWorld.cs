using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node;

/// <summary>Two chains with one USDC pool each, a store, a feed and a publisher; any number of loops over the same state.</summary>
internal sealed class NodeWorld
{
    public static readonly ChainId ChainA = new(31337);
    public static readonly ChainId ChainB = new(900001);
    public static readonly Bytes32 TokenA = Bytes32.FromUInt64(0xA);
    public static readonly Bytes32 TokenB = Bytes32.FromUInt64(0xB);
    private ulong _nonce;

    public NodeWorld()
    {
        Time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var journal = new List<SettlementChunk>();
        EscrowA = new FakeEscrow(ChainA) { Journal = journal };
        EscrowB = new FakeEscrow(ChainB) { Journal = journal };
        Feed = new SettablePriceFeed(Time);
        Feed.Prices["USDC"] = 1_000_000_000_000_000_000UL;
        EscrowA.Fund(TokenA, 100_000_000UL);
        EscrowB.Fund(TokenB, 100_000_000UL);
    }

    public FakeTimeProvider Time { get; }

    public InMemoryNodeStore Store { get; } = new();

    public FakeEscrow EscrowA { get; }

    public FakeEscrow EscrowB { get; }

    public SettablePriceFeed Feed { get; }

    public RecordingPublisher Events { get; } = new();

    public RecordingLogger<EpochLoop> Logger { get; } = new();

    public LatestChainCursors Cursors { get; } = new();

    public RecordingEpochProgress Progress { get; } = new();

    public List<SettlementChunk> Journal => EscrowA.Journal;

    public EpochLoopOptions Options { get; } = new()
    {
        NodeId = $"node-{Guid.NewGuid():N}", // the node's gauges are tagged with it: one world's readings are its own
        FeeBps = 10,
        SpreadBps = 50,
        SettlementMarginSeconds = 60,
        Triggers = new EpochBookOptions { MaxDuration = TimeSpan.FromSeconds(5), MaxIntentCount = 0, MaxPriceMoveBps = 0 },
        Margin = new MarginParameters { UsableShareBps = 10_000 },
        Assets = [new Asset("USDC", 1_000_000_000_000_000_000UL, [new AssetToken(ChainA, TokenA, 6), new AssetToken(ChainB, TokenB, 6)])],
        ChunkRetries = 2,
        ChunkRetryDelay = TimeSpan.Zero,
        OwedChunkRetryDelay = TimeSpan.FromSeconds(1),
        OwedChunkRetryMaxDelay = TimeSpan.FromSeconds(4),
    };

    public EpochLoop NewLoop() => NewLoop(Store, Store, Store, Events);

    /// <summary>A loop over other stores (a real one), with this world's chains, feed and clock.</summary>
    public EpochLoop NewLoop(IIntentStore intents, IEpochStore epochs, INodeLease lease, IIntegratorEventPublisher events) => new(
        intents, epochs, lease, Feed, events,
        [new NodeChain(ChainA, EscrowA, EscrowA), new NodeChain(ChainB, EscrowB, EscrowB)],
        Options, Time, Logger, Cursors, Progress);

    /// <summary>Opens an intent from A to B on the escrow and in the store.</summary>
    public Task<Intent> OpenAsync(ulong amount = 1_000_000, ulong? minOutput = null, ulong? deadline = null) => OpenAsync(Store, amount, minOutput, deadline);

    /// <summary>Opens an intent from A to B on the escrow and in <paramref name="intake"/>.</summary>
    public async Task<Intent> OpenAsync(IIntentStore intake, ulong amount = 1_000_000, ulong? minOutput = null, ulong? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(intake);
        var intent = NextIntent(amount, minOutput, deadline);
        EscrowA.Open(intent);
        await BookAsync(intake, intent);
        return intent;
    }

    /// <summary>Books an intent from A to B in the store that escrow A never received (a forged IntentObserved).</summary>
    public async Task<Intent> BookOnlyAsync()
    {
        var intent = NextIntent(1_000_000, null, null);
        await BookAsync(Store, intent);
        return intent;
    }

    private Intent NextIntent(ulong amount, ulong? minOutput, ulong? deadline)
    {
        var nonce = ++_nonce;
        return new Intent
        {
            IntentId = Bytes32.FromUInt64(0x1000 + nonce),
            OriginChainId = ChainA,
            DepositNonce = nonce,
            Depositor = Bytes32.FromUInt64(0xD0 + nonce),
            InputToken = TokenA,
            InputAmount = amount,
            DestinationChainId = ChainB,
            OutputToken = TokenB,
            MinOutputAmount = minOutput ?? amount * 99 / 100,
            Recipient = Bytes32.FromUInt64(0xE0 + nonce),
            FillDeadline = deadline ?? (ulong)Time.GetUtcNow().ToUnixTimeSeconds() + 3_600,
        };
    }

    private static Task BookAsync(IIntentStore intake, Intent intent) =>
        intake.AddAsync(new IntentObserved { Intent = intent, Position = new ChainPosition { BlockNumber = intent.DepositNonce, BlockHash = "0x01", TransactionId = "0x02", LogIndex = 0 } }, CancellationToken.None);

    /// <summary>Takes <paramref name="steps"/> steps, advancing the fake clock by a second after each one that cannot proceed.</summary>
    public async Task StepAsync(EpochLoop loop, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            if (!await loop.StepAsync(CancellationToken.None))
            {
                Time.Advance(TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Steps the loop until the epoch reaches the stage; a step that cannot proceed advances the fake clock by a second.</summary>
    public Task RunUntilAsync(EpochLoop loop, ulong epochId, EpochStage stage, CancellationToken cancellationToken = default) =>
        RunUntilAsync(loop, Store, epochId, stage, cancellationToken);

    /// <summary>As above, reading the progress from <paramref name="epochs"/> (the store the loop writes).</summary>
    public async Task RunUntilAsync(EpochLoop loop, IEpochStore epochs, ulong epochId, EpochStage stage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        for (var i = 0; i < 500; i++)
        {
            var record = await epochs.CurrentAsync(CancellationToken.None);
            if (record is not null && (record.EpochId > epochId || (record.EpochId == epochId && record.Stage >= stage)))
            {
                return;
            }

            if (!await loop.StepAsync(cancellationToken))
            {
                Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        throw new InvalidOperationException($"Epoch {epochId} did not reach {stage} within 500 steps.");
    }
}
