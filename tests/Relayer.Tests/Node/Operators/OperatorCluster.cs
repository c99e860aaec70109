using System.Collections.Concurrent;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// N epoch loops, each with its own store, cursors and attestor, over shared (fake) chains, a shared feed and a fake
/// clock; their operator messages go through an in-process exchange that delivers every publish to every running
/// node's message store. A node that is down neither steps nor hears.
/// </summary>
internal sealed class OperatorCluster
{
    public static readonly TimeSpan ProposalTimeout = TimeSpan.FromSeconds(5);
    private readonly NodeWorld _chains = new();
    private ulong _nonce;

    public OperatorCluster(int count, int threshold, Func<int, EpochProposed, EpochProposed>? proposerStep = null)
    {
        for (var i = 0; i < count; i++)
        {
            Nodes.Add(new OperatorNode(this, i, count, threshold, proposerStep));
        }
    }

    public FakeTimeProvider Time => _chains.Time;

    /// <summary>The one asset every node clears: USDC on both chains.</summary>
    public static IReadOnlyList<Asset> Assets { get; } =
        [new Asset("USDC", 1_000_000_000_000_000_000UL, [new AssetToken(NodeWorld.ChainA, NodeWorld.TokenA, 6), new AssetToken(NodeWorld.ChainB, NodeWorld.TokenB, 6)])];

    /// <summary>
    /// A lying proposer's manifest made self-consistent: the altered content's own clearing, manifest hash and root,
    /// signed with that proposer's key, so that only what the verifiers compare with their own view gives it away.
    /// <paramref name="intents"/> holds every listed intent's parameters.
    /// </summary>
    public static EpochProposed Reseal(EpochProposed altered, IReadOnlyDictionary<Bytes32, Intent> intents, int count, int threshold)
    {
        var prices = altered.Prices.Select(p => new ReferencePrice(p.AssetId, p.Price, p.Source, DateTimeOffset.FromUnixTimeMilliseconds(p.ObservedAtUnixMilliseconds))).ToList();
        var input = new EpochInput
        {
            EpochId = altered.EpochId,
            ClosesAt = altered.ClosesAt,
            SettlementMarginSeconds = altered.SettlementMarginSeconds,
            FeeBps = altered.FeeBps,
            SpreadBps = altered.SpreadBps,
            Assets = [.. Assets.Select(a => a with { ReferencePrice = prices.Single(p => p.AssetId == a.Id).Price })],
            Pools = [.. altered.Pools.Select(p => new PoolBalance(p.ChainId, p.Token, p.Balance))],
            Intents = [.. altered.IntentIds.Select(id => intents[id])],
        };
        var cursors = altered.Cursors.Select(c => (c.ChainId, new ChainCursor(c.Height, c.Hash))).ToList();
        var resealed = EpochProposals.Create(altered.ProposerIndex, altered.ProposerId, input, EpochClearing.Clear(input), prices, cursors);
        return Signatures(altered.ProposerIndex, count, threshold).Sign(resealed);
    }

    /// <summary>Operator <paramref name="index"/>'s EVM key, with which it signs its manifests.</summary>
    public static EvmKey ManifestKey(int index) => new(Bytes32.FromUInt64(0x5EED00 + (ulong)index).ToArray());

    /// <summary>Operator <paramref name="index"/>'s manifest signatures in a set of <paramref name="count"/> with <paramref name="threshold"/> (escrow 0xE5C0 on chain A).</summary>
    public static ManifestSignatures Signatures(int index, int count, int threshold)
    {
        var addresses = Enumerable.Range(0, count).Select(i => ManifestKey(i).Address).ToArray();
        var salt = Eip712ProposalDigest.OperatorSetSalt(NodeWorld.ChainA.Value, EvmAddress.FromBytes32(Bytes32.FromUInt64(0xE5C0)), threshold, addresses);
        return new ManifestSignatures(ManifestKey(index), index, addresses, salt);
    }

    public List<OperatorNode> Nodes { get; } = [];

    public ConcurrentQueue<ManifestRefused> Refusals { get; } = new();

    public FakeEscrow EscrowA => _chains.EscrowA;

    /// <summary>The escrows' signer-set version every attestor signs under now (a rotation raises it: the digests change).</summary>
    public ulong SignerSetVersion { get; set; }

    /// <summary>Called with the operator index after each attestation an attestor makes.</summary>
    public Action<int>? Attested { get; set; }

    internal NodeWorld Chains => _chains;

    /// <summary>
    /// While true the exchange is unreachable (the broker is down): every publish throws
    /// <see cref="ExchangeUnreachableException"/>, as a publish awaiting the broker's confirm does, and nothing is delivered.
    /// </summary>
    public bool ExchangeDown { get; set; }

    /// <summary>The operator index of each manifest publish that failed because the exchange was down, in order.</summary>
    public ConcurrentQueue<int> UnpublishedManifests { get; } = new();

    /// <summary>
    /// While true every publish hangs (a broker that accepts the connection but does not confirm, as MassTransit waits
    /// for a broker that is down) until <see cref="HealPublishes"/>, when every publish still waiting completes at once
    /// and is delivered. A publish cancelled before that (its caller gave up) is never delivered. A node whose step is
    /// inside such a publish takes no other step meanwhile; the clock goes on.
    /// </summary>
    public bool PublishesHang { get; set; }

    /// <summary>The operator index of each manifest publish that began hanging, in order.</summary>
    public ConcurrentQueue<int> HungManifests { get; } = new();

    private TaskCompletionSource _healed = new();

    internal Task Healed => _healed.Task;

    /// <summary>Stops the hanging: every publish still waiting completes now, delivered in the order it began.</summary>
    public void HealPublishes()
    {
        PublishesHang = false;
        foreach (var node in Nodes)
        {
            node.HangReleased = true;
        }

        _healed.SetResult();
        _healed = new TaskCompletionSource();
    }

    /// <summary>
    /// Opens an intent from A to B on the escrow; the watchers of <paramref name="seenBy"/> (default: every node) store
    /// it at <paramref name="block"/> (default: its nonce).
    /// </summary>
    public async Task<Intent> OpenAsync(ulong amount = 1_000_000, ulong? block = null, IReadOnlyList<int>? seenBy = null)
    {
        var nonce = ++_nonce;
        var intent = new Intent
        {
            IntentId = Bytes32.FromUInt64(0x1000 + nonce),
            OriginChainId = NodeWorld.ChainA,
            DepositNonce = nonce,
            Depositor = Bytes32.FromUInt64(0xD0 + nonce),
            InputToken = NodeWorld.TokenA,
            InputAmount = amount,
            DestinationChainId = NodeWorld.ChainB,
            OutputToken = NodeWorld.TokenB,
            MinOutputAmount = amount * 99 / 100,
            Recipient = Bytes32.FromUInt64(0xE0 + nonce),
            FillDeadline = (ulong)Time.GetUtcNow().ToUnixTimeSeconds() + 3_600,
        };
        EscrowA.Open(intent);
        await SeeAsync(intent, block ?? nonce, seenBy ?? [.. Nodes.Select(n => n.Index)]);
        return intent;
    }

    /// <summary>
    /// Staggered watchers: node i's watcher stands at block 1,000 + i, and an intent opens at each height, seen only by
    /// the nodes at or past it. Each node's manifest then lists other intents, so each node's root differs.
    /// </summary>
    public async Task<Intent[]> OpenAtStaggeredHeightsAsync()
    {
        var intents = new Intent[Nodes.Count];
        for (var height = 0; height < Nodes.Count; height++)
        {
            Nodes[height].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_000 + (ulong)height, $"0x{height}")));
            intents[height] = await OpenAsync(block: 1_000 + (ulong)height, seenBy: [.. Enumerable.Range(height, Nodes.Count - height)]);
        }

        return intents;
    }

    /// <summary>Every watcher reaches the highest staggered height and stores every intent of <see cref="OpenAtStaggeredHeightsAsync"/>.</summary>
    public async Task CatchUpStaggeredAsync(Intent[] intents)
    {
        var top = (ulong)(Nodes.Count - 1);
        foreach (var node in Nodes)
        {
            node.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_000 + top, $"0x{top}")));
        }

        for (var height = 1; height < intents.Length; height++)
        {
            await SeeAsync(intents[height], 1_000 + (ulong)height, [.. Enumerable.Range(0, height)]);
        }
    }

    /// <summary>The roots of the epoch of which some chunk holds <paramref name="threshold"/> distinct signers (over every node's store).</summary>
    public async Task<Bytes32[]> RootsAtThresholdAsync(ulong epochId, int threshold) =>
        [.. (await HeardAttestationsAsync(epochId))
            .GroupBy(a => (a.BatchRoot, a.ChainId, a.Chunk))
            .Where(g => g.Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count() >= threshold)
            .Select(g => g.Key.BatchRoot)
            .Distinct()];

    /// <summary>The watchers of <paramref name="seenBy"/> store the intent, observed at <paramref name="block"/>.</summary>
    public async Task SeeAsync(Intent intent, ulong block, IReadOnlyList<int> seenBy)
    {
        foreach (var node in seenBy.Select(i => Nodes[i]))
        {
            await node.Store.AddAsync(new IntentObserved { Intent = intent, Position = new ChainPosition { BlockNumber = block, BlockHash = "0x01", TransactionId = "0x02", LogIndex = 0 } }, CancellationToken.None);
        }
    }

    /// <summary>Steps every running node in turn until each of <paramref name="nodes"/> has margined the epoch; a round where none progressed advances the clock a second.</summary>
    public async Task RunUntilMarginedAsync(ulong epochId, params int[] nodes)
    {
        for (var round = 0; round < 400; round++)
        {
            var done = true;
            foreach (var index in nodes)
            {
                var record = await Nodes[index].Store.CurrentAsync(CancellationToken.None);
                done &= record is not null && (record.EpochId > epochId || (record.EpochId == epochId && record.Stage == EpochStage.Margined));
            }

            if (done)
            {
                return;
            }

            if (!await StepAllAsync())
            {
                Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        var logs = nodes.Select(i => $"op-{i}:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", Nodes[i].Log.Entries.Select(e => e.Message).Distinct().TakeLast(12)));
        throw new InvalidOperationException($"Epoch {epochId} was not margined on nodes {string.Join(", ", nodes)} within 400 rounds.{Environment.NewLine}{string.Join(Environment.NewLine, logs)}");
    }

    /// <summary>Every attestation of the epoch (chunks 0 to 7 of both chains) that any node's store kept.</summary>
    public async Task<List<LegAttested>> HeardAttestationsAsync(ulong epochId)
    {
        var heard = new List<LegAttested>();
        foreach (var node in Nodes)
        {
            foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
            {
                for (var chunk = 0u; chunk < 8; chunk++)
                {
                    heard.AddRange(await node.Messages.AttestationsAsync(epochId, chain, chunk, CancellationToken.None));
                }
            }
        }

        return heard;
    }

    /// <summary>Steps every running node until none progresses, then advances the clock a second, for <paramref name="duration"/> on the clock.</summary>
    public async Task RunForAsync(TimeSpan duration)
    {
        var until = Time.GetUtcNow() + duration;
        while (Time.GetUtcNow() < until)
        {
            for (var round = 0; round < 100 && await StepAllAsync(); round++)
            {
            }

            Time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    // One step of every running node; a step that failed because the exchange is down made no progress (the node's
    // host retries it at its next step).
    private async Task<bool> StepAllAsync()
    {
        var progressed = false;
        foreach (var node in Nodes.Where(n => n.Running && n.Stepping))
        {
            if (node.PendingStep is { } pending)
            {
                // Inside a publish that hangs: it ends when its caller's bound runs out on the clock, or at the heal.
                if (!pending.IsCompleted && !node.HangReleased)
                {
                    continue;
                }

                node.PendingStep = null;
                progressed |= await CompletedStepAsync(pending);
            }

            node.HangReleased = false;
            var hanging = node.BeginStep();
            var step = node.Loop.StepAsync(CancellationToken.None);
            if (await Task.WhenAny(step, hanging) != step && !step.IsCompleted)
            {
                node.PendingStep = step;
                continue;
            }

            progressed |= await CompletedStepAsync(step);
        }

        return progressed;
    }

    private static async Task<bool> CompletedStepAsync(Task<bool> step)
    {
        try
        {
            return await step;
        }
        catch (ExchangeUnreachableException)
        {
            return false;
        }
    }

    /// <summary>While set, a message it returns true for (receiving node index, message) is not delivered to that node (selective delivery on the shared exchange).</summary>
    public Func<int, object, bool>? Undeliverable { get; set; }

    internal Task DeliverAsync<T>(T message)
        where T : class
    {
        if (message is ManifestRefused refused)
        {
            Refusals.Enqueue(refused);
        }

        return Task.WhenAll(Nodes.Where(n => n.Running && (Undeliverable is null || !Undeliverable(n.Index, message))).Select(n => message switch
        {
            EpochProposed proposal => n.Intake.ProposalAsync(proposal, CancellationToken.None),
            LegAttested attestation => n.Intake.AttestationAsync(attestation, CancellationToken.None),
            _ => Task.CompletedTask,
        }));
    }
}

/// <summary>One operator's node in an <see cref="OperatorCluster"/>.</summary>
internal sealed class OperatorNode : IOperatorPublisher
{
    private readonly OperatorCluster _cluster;
    private readonly Func<int, EpochProposed, EpochProposed>? _proposerStep;
    private readonly ConcurrentQueue<object> _held = new();
    private readonly Func<EpochLoop> _newLoop;

    public OperatorNode(OperatorCluster cluster, int index, int count, int threshold, Func<int, EpochProposed, EpochProposed>? proposerStep)
    {
        _cluster = cluster;
        _proposerStep = proposerStep;
        Index = index;
        Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_000, "0xa")));
        Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainB, [], [], new ChainCursor(1_000, "sigB")));
        var world = cluster.Chains;
        var options = new EpochLoopOptions
        {
            NodeId = $"op-{index}-{Guid.NewGuid():N}",
            FeeBps = 10,
            SpreadBps = 50,
            SettlementMarginSeconds = 60,
            Triggers = new EpochBookOptions { MaxDuration = TimeSpan.FromSeconds(5), MaxIntentCount = 0, MaxPriceMoveBps = 0 },
            Margin = new MarginParameters { UsableShareBps = 10_000 },
            Assets = OperatorCluster.Assets,
            ChunkRetries = 2,
            ChunkRetryDelay = TimeSpan.Zero,
        };
        var signers = Enumerable.Range(0, count).Select(i => $"op-{i}").ToArray();
        var seat = new OperatorSeat(
            index, $"op-{index}", [.. Enumerable.Range(0, count).Select(i => $"op-{i}")], threshold, OperatorCluster.ProposalTimeout,
            new ManifestVerifier($"op-{index}", options.Assets, 50, new ManifestTerms(options.FeeBps, options.SpreadBps, options.SettlementMarginSeconds, OperatorCluster.ProposalTimeout * 2)),
            new Dictionary<ChainId, IReadOnlyList<string>> { [NodeWorld.ChainA] = signers, [NodeWorld.ChainB] = signers },
            new Dictionary<ChainId, IChunkAttestor> { [NodeWorld.ChainA] = new NamedAttestor(NodeWorld.ChainA, index, cluster), [NodeWorld.ChainB] = new NamedAttestor(NodeWorld.ChainB, index, cluster) },
            Messages, this, OperatorCluster.Signatures(index, count, threshold));
        Intake = new OperatorMessageIntake(seat);
        _newLoop = () => new EpochLoop(
            Store, Store, Store, world.Feed, Events,
            [new NodeChain(NodeWorld.ChainA, world.EscrowA, new PoolsUnknownAt(world.EscrowA, this)), new NodeChain(NodeWorld.ChainB, world.EscrowB, new PoolsUnknownAt(world.EscrowB, this))],
            options, cluster.Time, Log, Cursors, crashPoints: CrashPoints, operators: seat);
        Loop = _newLoop();
    }

    public int Index { get; }

    public bool Running { get; set; } = true;

    /// <summary>While false, the node still hears the others (its queue keeps what they publish) but its loop takes no step (a paused process).</summary>
    public bool Stepping { get; set; } = true;

    public InMemoryNodeStore Store { get; } = new();

    public RecordingLogger<EpochLoop> Log { get; } = new();

    public InMemoryOperatorMessages Messages { get; } = new();

    public LatestChainCursors Cursors { get; } = new();

    /// <summary>Cursors at which this node cannot read the pools (its own reads only: a pool changed above such a cursor).</summary>
    public Func<ChainCursor, bool> PoolsUnknownAtCursor { get; set; } = _ => false;

    /// <summary>What this node's bus consumers do with a message: check it, then keep it.</summary>
    public OperatorMessageIntake Intake { get; }

    public RecordingPublisher Events { get; } = new();

    public EpochLoop Loop { get; private set; }

    /// <summary>The crash points of the next <see cref="Restart"/>'s loop (none by default).</summary>
    public ICrashPoints? CrashPoints { get; set; }

    /// <summary>A new process of this node: a new epoch loop (nothing kept in memory) on the same store and messages.</summary>
    public void Restart() => Loop = _newLoop();

    /// <summary>While true, what this node publishes is held back (a slow link to the exchange) until <see cref="DeliverHeldAsync"/>; it still hears the others.</summary>
    public bool Held { get; set; }

    /// <summary>A step of this node's loop that is inside a hanging publish (see <see cref="OperatorCluster.PublishesHang"/>).</summary>
    internal Task<bool>? PendingStep { get; set; }

    /// <summary>Set when this node's hanging publish was cancelled or healed: its pending step is about to complete.</summary>
    internal bool HangReleased { get; set; }

    private TaskCompletionSource _hangStarted = new();

    /// <summary>A new step begins: the task completes if a publish of that step starts hanging.</summary>
    internal Task BeginStep()
    {
        _hangStarted = new TaskCompletionSource();
        return _hangStarted.Task;
    }

    public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        if (_cluster.PublishesHang)
        {
            return HangAsync(message, cancellationToken);
        }

        if (_cluster.ExchangeDown)
        {
            if (message is EpochProposed)
            {
                _cluster.UnpublishedManifests.Enqueue(Index);
            }

            throw new ExchangeUnreachableException();
        }

        object outgoing = message is EpochProposed proposal && _proposerStep is not null ? _proposerStep(Index, proposal) : message;
        if (Held)
        {
            _held.Enqueue(outgoing);
            return Task.CompletedTask;
        }

        return _cluster.DeliverAsync(outgoing);
    }

    private async Task HangAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        if (message is EpochProposed)
        {
            _cluster.HungManifests.Enqueue(Index);
        }

        var healed = _cluster.Healed;
        using var released = cancellationToken.Register(() => HangReleased = true);
        _hangStarted.TrySetResult();
        await healed.WaitAsync(cancellationToken);
        await PublishAsync(message, CancellationToken.None);
    }

    /// <summary>Delivers what was held back, in publication order, and stops holding.</summary>
    public async Task DeliverHeldAsync()
    {
        Held = false;
        while (_held.TryDequeue(out var message))
        {
            await _cluster.DeliverAsync(message);
        }
    }
}

/// <summary>
/// A stand-in for an operator key: its "signature" names the operator index; the digest is the hash of the chunk's
/// hash, its batch root and the cluster's signer-set version.
/// </summary>
internal sealed class NamedAttestor(ChainId chainId, int index, OperatorCluster cluster) : IChunkAttestor
{
    public ChainId ChainId => chainId;

    public Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        var version = cluster.SignerSetVersion;
        var attestation = new LegAttested
        {
            EpochId = chunk.EpochId,
            ChainId = chunk.ChainId,
            Chunk = chunk.Index,
            BatchRoot = chunk.BatchRoot,
            Digest = Digest(chunk, version),
            Signer = $"op-{index}",
            Signature = [(byte)index],
            SignerSetVersion = version,
        };
        cluster.Attested?.Invoke(index);
        return Task.FromResult(attestation);
    }

    public Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken) => Task.FromResult(Digest(chunk, cluster.SignerSetVersion));

    public bool Verifies(LegAttested attestation, string signer) => attestation.Signature is [var b] && $"op-{b}" == signer;

    // Like the escrows' digests, it covers the batch root: the same actions under another root are another digest.
    private static Bytes32 Digest(SettlementChunk chunk, ulong version) =>
        Keccak256.Hash([.. chunk.ChunkHash().ToArray(), .. chunk.BatchRoot.ToArray(), (byte)version]);
}

/// <summary>What a publish to the cluster's exchange throws while <see cref="OperatorCluster.ExchangeDown"/>.</summary>
internal sealed class ExchangeUnreachableException() : Exception("The exchange is unreachable: the broker is down.");

/// <summary>One node's view of an escrow: the pools unknown at the cursors its <see cref="OperatorNode.PoolsUnknownAtCursor"/> names.</summary>
internal sealed class PoolsUnknownAt(FakeEscrow escrow, OperatorNode node) : IEscrowState
{
    public ChainId ChainId => escrow.ChainId;

    public ChainKind Kind => escrow.Kind;

    public Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken) => escrow.PoolBalanceAsync(token, cancellationToken);

    public Task<UInt256> PoolBalanceAtAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken) =>
        node.PoolsUnknownAtCursor(cursor)
            ? throw new PoolNotAtCursorException($"Chain {ChainId}: a transaction above slot {cursor.Height} may have moved pool {token}.")
            : escrow.PoolBalanceAtAsync(token, cursor, cancellationToken);

    public Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken) => escrow.IntentStateAsync(intentId, cancellationToken);

    public Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) => escrow.IsPaidAsync(intentId, cancellationToken);

    public Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken) => escrow.HighestAppliedEpochAsync(cancellationToken);
}
