using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Settlement;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>One chain the node settles on: its submitter and its escrow's state.</summary>
internal sealed record NodeChain(ChainId ChainId, IChunkSubmitter Submitter, IEscrowState Escrow);

/// <summary>A chain's watcher cursor as a close decision states it.</summary>
internal sealed record DecidedCursor(ChainId ChainId, ulong Height, string Hash);

/// <summary>
/// Everything a close depends on that the clock or the chains could change, persisted before any intent is taken
/// (blob <c>take</c>): the trigger, closesAt, the reference prices with their source and time, the pools the chains
/// reported capped by the margin caps, the watchers' cursors, the fee terms and the book's intent ids in id order.
/// The input and the manifest are derived from it alone (plus which of its intents the take moved), so every retry
/// after a crash writes the same bytes.
/// </summary>
internal sealed record CloseDecision(
    string Trigger,
    ulong ClosesAt,
    uint FeeBps,
    uint SpreadBps,
    ulong SettlementMarginSeconds,
    ReferencePrice[] Prices,
    PoolBalance[] Pools,
    DecidedCursor[] Cursors,
    Bytes32[] IntentIds,
    uint Round = 0);

/// <summary>The batch root the node chose for an epoch differs from what clearing its persisted input gives: never a second batch.</summary>
internal sealed class EpochIntegrityException(string message) : Exception(message);

/// <summary>
/// The heart of the node: the epoch lifecycle Open → Closed (manifest) → Cleared (batch) → Attested (chunks
/// planned) → Released → Settled → Margined, then the next epoch opens. Every step persists its stage (fenced by the
/// lease) before its effects leave the node, and the effects of reaching a stage (intent transitions, integrator
/// events) run at the start of the step that leaves it, idempotently; so a new loop over the same store resumes
/// exactly where a crashed one stopped and re-clears the persisted input to the same root.
/// </summary>
internal sealed partial class EpochLoop
{
    private const string ManifestBlob = "manifest";
    private const string InputBlob = "input";
    private const string BatchBlob = "batch";
    private const string MarginBlob = "margin";
    private const string TakeBlob = "take";

    // A blob of one round of the epoch (blobs are write-once; round 0 keeps the names stored data has).
    private static string BlobOf(string name, uint round) =>
        round == 0 ? name : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{name}@round-{round}");

    /// <summary>How many escrow intent-state reads a close runs at once.</summary>
    private const int StateReadConcurrency = 16;

    private readonly IIntentStore _intents;
    private readonly IEpochStore _epochs;
    private readonly INodeLease _lease;
    private readonly IPriceFeed _prices;
    private readonly IIntegratorEventPublisher _events;
    private readonly IReadOnlyList<NodeChain> _chains;
    private readonly EpochLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AssetRegistry _registry;
    private readonly ChunkPipeline _pipeline;
    private readonly IChainCursorSource? _cursors;
    private readonly IEpochProgress? _progress;
    private readonly ChainWaitClock _chainWait;
    private readonly ICrashPoints _crashPoints;

    // Intents this process found Open on their origin chain at an earlier close (a deferred one is not read again).
    private readonly HashSet<Bytes32> _confirmedOpenOnChain = [];
    private readonly OperatorSeat? _operators;
    private EpochTimes _spent = new(0);
    private (EpochRecord Record, IReadOnlyList<PoolMargin> Pools)? _margined;

    private LeaseToken? _fence;
    private LeaseKeeper? _keeper;
    private TimeSpan _duration;
    private (ulong EpochId, EpochInput Input, SettlementBatch Batch)? _cleared;

    public EpochLoop(
        IIntentStore intents,
        IEpochStore epochs,
        INodeLease lease,
        IPriceFeed prices,
        IIntegratorEventPublisher events,
        IReadOnlyList<NodeChain> chains,
        EpochLoopOptions options,
        TimeProvider time,
        ILogger<EpochLoop> logger,
        IChainCursorSource? cursors = null,
        IEpochProgress? progress = null,
        ICrashPoints? crashPoints = null,
        OperatorSeat? operators = null)
    {
        _intents = intents ?? throw new ArgumentNullException(nameof(intents));
        _epochs = epochs ?? throw new ArgumentNullException(nameof(epochs));
        _lease = lease ?? throw new ArgumentNullException(nameof(lease));
        _prices = prices ?? throw new ArgumentNullException(nameof(prices));
        _events = events ?? throw new ArgumentNullException(nameof(events));
        _chains = chains ?? throw new ArgumentNullException(nameof(chains));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _cursors = cursors;
        _progress = progress;
        _startedAt = time.GetTimestamp();
        _crashPoints = crashPoints ?? NoCrashPoints.Instance;
        _operators = operators;
        options.Validate();
        foreach (var chain in chains)
        {
            if (chain.Submitter.ChainId != chain.ChainId || chain.Escrow.ChainId != chain.ChainId)
            {
                throw new ArgumentException($"Chain {chain.ChainId}: its submitter ({chain.Submitter.ChainId}) and escrow state ({chain.Escrow.ChainId}) must be for the same chain.", nameof(chains));
            }
        }

        _registry = new AssetRegistry(options.Assets);
        _chainWait = new ChainWaitClock(time);
        _pipeline = new ChunkPipeline(chains, options, time, _chainWait, logger, _crashPoints);
        _duration = options.Triggers.MaxDuration;
    }

    /// <summary>
    /// Runs steps until cancelled or the lease is lost. A step that fails is tried again after a wait that starts at
    /// the poll interval and doubles per consecutive failure up to <see cref="EpochLoopOptions.StepFailureMaxDelay"/>;
    /// the first failure of a streak is logged with its exception, later ones as a line without the stack every
    /// tenth failure and at every failure once the wait is at its cap. A step that succeeds ends the streak.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool progressed;
            try
            {
                progressed = await StepAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (LeaseLostException ex)
            {
                LogLeaseLost(_logger, ex, _options.NodeId);
                _fence = null;
                return;
            }
            catch (Exception ex) when (ex is not (OperationCanceledException or EpochIntegrityException))
            {
                // Every step is idempotent: trying it again is safe and loses nothing.
                failures++;
                var delay = StepFailureDelay(failures);
                if (failures == 1)
                {
                    LogStepFailed(_logger, ex, delay);
                }
                else if (failures % 10 == 0 || delay == _options.StepFailureMaxDelay)
                {
                    LogStepStillFailing(_logger, failures, ex.GetType().Name, ex.Message, delay);
                }

                await WaitKeepingLeaseAsync(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (failures > 0)
            {
                LogStepRecovered(_logger, failures);
                failures = 0;
            }

            if (!progressed)
            {
                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // Waits out a failed step's backoff, renewing the lease every third of its lifetime: a backoff longer than the
    // lease would lose it to nobody (a standby would take over only to meet the same failure, and a lone node restarts
    // its loop). A renewal that fails or is refused ends the renewing, not the wait: the next step finds the lease.
    private async Task WaitKeepingLeaseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        var slice = _options.LeaseTimeToLive / 3;
        var renewing = _fence is not null;
        while (delay > TimeSpan.Zero)
        {
            var wait = renewing && delay > slice ? slice : delay;
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            delay -= wait;
            if (delay > TimeSpan.Zero && renewing && _fence is { } token)
            {
                try
                {
                    renewing = await _lease.RenewAsync(token, _options.LeaseTimeToLive, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    renewing = false;
                }
            }
        }
    }

    // The poll interval doubled per consecutive failure after the first, capped.
    private TimeSpan StepFailureDelay(int failures)
    {
        var delay = _options.PollInterval;
        for (var i = 1; i < failures && delay < _options.StepFailureMaxDelay; i++)
        {
            delay *= 2;
        }

        return delay < _options.StepFailureMaxDelay ? delay : _options.StepFailureMaxDelay;
    }

    /// <summary>
    /// Takes one step of the lifecycle; false when nothing could proceed now (no trigger due, no price, no lease). The
    /// lease is renewed while the step runs; when it is lost the step stops before its next write
    /// (<see cref="LeaseLostException"/>).
    /// </summary>
    public async Task<bool> StepAsync(CancellationToken cancellationToken)
    {
        if (!await HoldLeaseAsync(cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var keeper = new LeaseKeeper(_lease, Fence, _options.LeaseTimeToLive, _time, _logger, cancellationToken);
        await using (keeper.ConfigureAwait(false))
        {
            _keeper = keeper;
            try
            {
                return await StepHoldingLeaseAsync(keeper.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (keeper.Lost && !cancellationToken.IsCancellationRequested)
            {
                throw new LeaseLostException($"Node {_options.NodeId} lost its lease while a step ran: {ex.Message}");
            }
            finally
            {
                _keeper = null;
            }
        }
    }

    private async Task<bool> StepHoldingLeaseAsync(CancellationToken cancellationToken)
    {
        var record = await _epochs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        if (record is null)
        {
            await OpenAsync(await FirstEpochIdAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return true;
        }

        var startedAt = _time.GetTimestamp();
        var chainWaitBefore = _chainWait.Elapsed;
        var progressed = record.Stage switch
        {
            EpochStage.Open => await TryCloseAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Closed => await ClearAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Cleared => await AttestAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Attested => await ReleaseAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Released => await PayAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Settled => await MarginAsync(record, cancellationToken).ConfigureAwait(false),
            EpochStage.Margined => await OpenAsync(record.EpochId + 1, cancellationToken).ConfigureAwait(false),
            _ => throw new InvalidOperationException($"Epoch {record.EpochId} has an unknown stage {record.Stage}."),
        };
        if (record.Stage is not (EpochStage.Open or EpochStage.Margined) || (record.Stage == EpochStage.Open && progressed))
        {
            // From the close to the margin: the step's time, split into waiting for chains and the node's own.
            var chain = _chainWait.Elapsed - chainWaitBefore;
            var node = _time.GetElapsedTime(startedAt) - chain;
            if (_spent.EpochId != record.EpochId)
            {
                _spent = new EpochTimes(record.EpochId);
            }

            _spent.Add(EpochTimes.StepOf(record.Stage), node, chain);
        }

        if (_margined is { } margined)
        {
            _margined = null;
            ReportProgress(margined.Record, margined.Pools);
        }

        return progressed;
    }

    private LeaseToken Fence =>
        _keeper is { Lost: true } ? throw new LeaseLostException($"Node {_options.NodeId} lost its lease while a step ran; nothing more is written.")
        : _fence ?? throw new LeaseLostException("The epoch loop holds no lease.");

    private async Task<bool> HoldLeaseAsync(CancellationToken cancellationToken)
    {
        if (_fence is { } token)
        {
            return await _lease.RenewAsync(token, _options.LeaseTimeToLive, cancellationToken).ConfigureAwait(false)
                ? true
                : throw new LeaseLostException($"Node {_options.NodeId} lost its lease (fence {token.Fence}).");
        }

        _fence = await _lease.TryAcquireAsync(_options.NodeId, _options.LeaseTimeToLive, cancellationToken).ConfigureAwait(false);
        return _fence is not null;
    }

    private async Task<bool> OpenAsync(ulong epochId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var prices = await ReadPricesAsync(epochId, cancellationToken).ConfigureAwait(false);
        var record = new EpochRecord
        {
            EpochId = epochId,
            Stage = EpochStage.Open,
            OpenedAtUnixMilliseconds = now,
            OpeningPrices = prices?.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal),
            StageTimes = new Dictionary<EpochStage, long> { [EpochStage.Open] = now },
        };
        await _epochs.SaveAsync(record, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "open"));
        LogOpened(_logger, epochId);
        return true;
    }

    private async Task<bool> TryCloseAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        var openedAt = DateTimeOffset.FromUnixTimeMilliseconds(record.OpenedAtUnixMilliseconds);
        var decision = await _epochs.GetBlobAsync(epochId, BlobOf(TakeBlob, record.Round), cancellationToken).ConfigureAwait(false) is { } persisted
            ? JsonSerializer.Deserialize<CloseDecision>(persisted) ?? throw new EpochIntegrityException($"Epoch {epochId} has an empty close decision.")
            : _operators is { } seat
                ? await DecideSharedCloseAsync(record, openedAt, seat, cancellationToken).ConfigureAwait(false)
                : await DecideCloseAsync(record, openedAt, persist: true, cancellationToken).ConfigureAwait(false);
        if (decision is null)
        {
            return false;
        }

        // From here on only the persisted decision counts: a crash anywhere below and a retry at any later time
        // (other prices, pools, cursors) derives the same input and manifest, byte for byte. A followed manifest of
        // another round makes the epoch's record that round's.
        record = record with { Round = decision.Round };
        using var activity = NodeTelemetry.StartStep("close", epochId);
        activity?.SetTag("epoch.trigger", decision.Trigger);
        var closing = InputOf(epochId, decision, await TakeAsync(epochId, decision.IntentIds, cancellationToken).ConfigureAwait(false));
        _crashPoints.Reached(CrashPoint.AfterTake, epochId);
        var manifestBytes = EpochManifest.ToUtf8(closing, decision.Prices, [.. decision.Cursors.Select(c => (c.ChainId, new ChainCursor(c.Height, c.Hash)))]);
        await _epochs.SaveBlobAsync(epochId, BlobOf(ManifestBlob, record.Round), manifestBytes, Fence, cancellationToken).ConfigureAwait(false);
        await _epochs.SaveBlobAsync(epochId, BlobOf(InputBlob, record.Round), EpochFileWriter.ToUtf8(closing), Fence, cancellationToken).ConfigureAwait(false);
        await SaveClosedAsync(record, closing, decision.Trigger, EpochManifest.Hash(manifestBytes), cancellationToken).ConfigureAwait(false);
        _crashPoints.Reached(CrashPoint.AfterClose, epochId);
        _duration = EpochTriggers.NextDuration(_options.Triggers, _duration, decision.IntentIds.Length, DateTimeOffset.FromUnixTimeSeconds((long)decision.ClosesAt) - openedAt);
        return true;
    }

    // The clearing input of a close decision over its intents (those taken at close, in id order).
    private EpochInput InputOf(ulong epochId, CloseDecision decision, IReadOnlyList<Intent> intents)
    {
        var prices = decision.Prices.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal);
        return new EpochInput
        {
            EpochId = epochId,
            ClosesAt = decision.ClosesAt,
            SettlementMarginSeconds = decision.SettlementMarginSeconds,
            FeeBps = decision.FeeBps,
            SpreadBps = decision.SpreadBps,
            Assets = [.. _registry.Assets.Select(a => a with { ReferencePrice = prices.TryGetValue(a.Id, out var price) ? price : throw new EpochIntegrityException($"Epoch {epochId}: its close decision has no price for asset {a.Id}.") })],
            Pools = decision.Pools,
            Intents = [.. intents],
        };
    }

    // The close decision is persisted before any intent is taken: the first write of the close, so a crash at any
    // later write resumes it and nothing read after it (clock, prices, chains) can change the epoch. In an operator
    // set the caller persists it, once this node's turn to propose has come.
    private async Task<CloseDecision?> DecideCloseAsync(EpochRecord record, DateTimeOffset openedAt, bool persist, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (_options.LastEpoch is { } last && epochId > last)
        {
            // Configured to stop after epoch `last` (the devnet's --epochs N): no further epoch closes.
            return null;
        }

        var prices = await ReadPricesAsync(epochId, cancellationToken).ConfigureAwait(false);
        if (prices is null)
        {
            return null;
        }

        var current = prices.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal);
        if (record.OpeningPrices is null)
        {
            // No price was usable at open: the first one seen is the baseline, persisted so a restart keeps it.
            record = record with { OpeningPrices = current };
            await _epochs.SaveAsync(record, Fence, cancellationToken).ConfigureAwait(false);
        }

        // Cursors first: every intent final at or before them is durable in the store, so the book read next holds them all.
        var cursors = ReadCursors();
        var now = _time.GetUtcNow();
        var open = await _intents.OpenAsync(cancellationToken).ConfigureAwait(false);
        if (open.Count == 0)
        {
            return null; // an empty epoch is never closed: it would cost a full lifecycle for nothing
        }

        var notional = open.Aggregate(System.Numerics.BigInteger.Zero, (sum, s) => sum + EpochTriggers.NotionalOf(s.Observed.Intent, _registry, current));
        var reason = EpochTriggers.Due(_options.Triggers, new EpochBookState(openedAt, _duration, open.Count, notional, record.OpeningPrices!, current), now);
        if (reason is null)
        {
            return null;
        }

        // The on-chain check only when this decision is persisted here; in an operator set the caller checks it once
        // this node's turn to propose has come (a verifier polling while it waits reads no chain).
        if (persist)
        {
            open = await StillOpenOnChainAsync(epochId, open, cancellationToken).ConfigureAwait(false);
            if (open.Count == 0)
            {
                return null;
            }
        }

        PoolBalance[] pools;
        try
        {
            pools = await PoolsForClearingAsync(epochId, _operators is null ? null : cursors.ToDictionary(c => c.ChainId, c => c.Cursor), cancellationToken).ConfigureAwait(false);
        }
        catch (PoolNotAtCursorException unknown) when (_operators is not null)
        {
            // The pools at this node's own cursors are unknown (its watcher is behind a pool change): it has nothing to
            // propose yet, but it must still judge and adopt the others' manifests, whose cursors may be known. A
            // failed step here would hold its whole epoch loop (a three-operator campaign: an operator stuck for minutes).
            if (_poolsUnknownLoggedFor != (epochId, record.Round))
            {
                _poolsUnknownLoggedFor = (epochId, record.Round);
                LogPoolsUnknownAtOwnCursors(_logger, epochId, unknown.Message);
            }

            return null;
        }

        var decision = new CloseDecision(
            reason.Value.ToString(),
            (ulong)now.ToUnixTimeSeconds(),
            _options.FeeBps,
            _options.SpreadBps,
            _options.SettlementMarginSeconds,
            [.. prices.OrderBy(p => p.AssetId, StringComparer.Ordinal)],
            pools,
            [.. cursors.Select(c => new DecidedCursor(c.ChainId, c.Cursor.Height, c.Cursor.Hash))],
            [.. open.Select(s => s.Observed.Intent.IntentId).Order()]);
        if (persist)
        {
            await _epochs.SaveBlobAsync(epochId, BlobOf(TakeBlob, record.Round), JsonSerializer.SerializeToUtf8Bytes(decision), Fence, cancellationToken).ConfigureAwait(false);
        }

        return decision;
    }

    /// <summary>
    /// The first epoch id of a node whose store holds no epoch: one above the highest epoch any configured escrow has
    /// applied, so a node started on an empty store against escrows an earlier node settled never plans an (epoch,
    /// chunk) those escrows already applied (they would report it applied and skip it).
    /// </summary>
    private async Task<ulong> FirstEpochIdAsync(CancellationToken cancellationToken)
    {
        var highest = await Task.WhenAll(_chains.Select(c => c.Escrow.HighestAppliedEpochAsync(cancellationToken))).ConfigureAwait(false);
        var first = highest.Length == 0 ? 1 : highest.Max() + 1;
        if (first > 1)
        {
            LogFreshStoreAboveApplied(_logger, first, first - 1);
        }

        return first;
    }

    /// <summary>
    /// <paramref name="decision"/> with only its intents still Open in the store and on their origin chain (see
    /// <see cref="StillOpenOnChainAsync"/>); null when none is left.
    /// </summary>
    private async Task<CloseDecision?> KeepStillOpenOnChainAsync(ulong epochId, CloseDecision decision, CancellationToken cancellationToken)
    {
        var stored = await _intents.GetManyAsync(decision.IntentIds, cancellationToken).ConfigureAwait(false);
        var open = await StillOpenOnChainAsync(epochId, [.. stored.OfType<StoredIntent>().Where(s => s.Stage == IntentStage.Open)], cancellationToken).ConfigureAwait(false);
        return open.Count == 0 ? null : decision with { IntentIds = [.. open.Select(s => s.Observed.Intent.IntentId).Order()] };
    }

    /// <summary>
    /// The book's intents that their origin escrow still holds Open, read concurrently (at most
    /// <see cref="StateReadConcurrency"/> at a time) when this node persists a close decision. An intent the escrow
    /// refunded, or released with its payout made on its destination chain (an earlier node settled it; this node's
    /// store was empty when its watcher saw it opened), leaves the book as Refunded or Filled and is logged, never booked
    /// again. Left out of the decision but kept Open in the store: an intent its origin escrow does not know (a missed
    /// retraction, or a forged IntentObserved), logged as a warning; an intent released but not paid on its destination
    /// (released under a lost store: an operator must act), logged as critical; an intent whose state cannot be read
    /// (for a later close). An intent found Open is not read again at later closes of this process (a deferred one).
    /// Intake stays a plain store write.
    /// </summary>
    private async Task<IReadOnlyList<StoredIntent>> StillOpenOnChainAsync(ulong epochId, IReadOnlyList<StoredIntent> book, CancellationToken cancellationToken)
    {
        var escrows = _chains.ToDictionary(c => c.ChainId, c => c.Escrow);
        var states = new EscrowIntentState?[book.Count];
        var paid = new bool[book.Count];
        await Parallel.ForAsync(0, book.Count, new ParallelOptions { MaxDegreeOfParallelism = StateReadConcurrency, CancellationToken = cancellationToken }, async (i, token) =>
        {
            var intent = book[i].Observed.Intent;
            if (_confirmedOpenOnChain.Contains(intent.IntentId) || !escrows.TryGetValue(intent.OriginChainId, out var origin))
            {
                states[i] = EscrowIntentState.Open;
                return;
            }

            try
            {
                var state = await origin.IntentStateAsync(intent.IntentId, token).ConfigureAwait(false);
                paid[i] = state == EscrowIntentState.Released
                    && escrows.TryGetValue(intent.DestinationChainId, out var destination)
                    && await destination.IsPaidAsync(intent.IntentId, token).ConfigureAwait(false);
                states[i] = state;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
            {
                // Unverified: it stays Open in the store for a later close, and the other chains' intents go on.
                LogStateUnread(_logger, ex, epochId, intent.IntentId, intent.OriginChainId.Value);
            }
        }).ConfigureAwait(false);
        var settled = new List<IntentTransition>();
        var open = new List<StoredIntent>(book.Count);
        for (var i = 0; i < book.Count; i++)
        {
            var intent = book[i].Observed.Intent;
            switch (states[i])
            {
                case EscrowIntentState.Open:
                    open.Add(book[i]);
                    break;
                case EscrowIntentState.Refunded:
                case EscrowIntentState.Released when paid[i]:
                    LogSettledElsewhere(_logger, epochId, intent.IntentId, intent.OriginChainId.Value, states[i]!.Value);
                    settled.Add(new IntentTransition(intent.IntentId, states[i] == EscrowIntentState.Released ? IntentStage.Filled : IntentStage.Refunded, null, Deferred: false));
                    break;
                case EscrowIntentState.Released:
                    LogReleasedUnpaid(_logger, epochId, intent.IntentId, intent.OriginChainId.Value, intent.DestinationChainId.Value);
                    break;
                case EscrowIntentState.Unknown:
                    LogUnknownOnChain(_logger, epochId, intent.IntentId, intent.OriginChainId.Value);
                    break;
                default:
                    break; // unread: logged above
            }
        }

        // Only the book's intents are remembered: the set never outgrows it.
        _confirmedOpenOnChain.Clear();
        _confirmedOpenOnChain.UnionWith(open.Select(s => s.Observed.Intent.IntentId));
        if (settled.Count > 0)
        {
            await _intents.TransitionAsync(settled, Fence, cancellationToken).ConfigureAwait(false);
        }

        return open;
    }

    // The effects of closing: the decided intents still Open are taken into the epoch in one atomic store step; the
    // input is exactly the intents in this epoch after it, in id order. An intent retracted (reorganised out) before
    // the take is not taken, so it never enters an input; after the take a retraction is refused by the store.
    private async Task<List<Intent>> TakeAsync(ulong epochId, Bytes32[] intentIds, CancellationToken cancellationToken)
    {
        var taken = await _intents.TakeOpenAsync(intentIds, epochId, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Intents.Add(taken.Count, new KeyValuePair<string, object?>("state", "in-epoch"));
        var members = new List<Intent>();
        var intents = await _intents.GetManyAsync(intentIds, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < intentIds.Length; i++)
        {
            var (intentId, stored) = (intentIds[i], intents[i]);
            if (stored is { Stage: IntentStage.InEpoch } && stored.EpochId == epochId)
            {
                members.Add(stored.Observed.Intent);
            }
            else
            {
                LogIntentLeftBeforeTaken(_logger, epochId, intentId, stored?.Stage);
            }
        }

        return members;
    }

    private async Task SaveClosedAsync(EpochRecord record, EpochInput input, string trigger, Bytes32 manifestHash, CancellationToken cancellationToken)
    {
        var closed = Advance(record, EpochStage.Closed) with { ClosesAt = input.ClosesAt, Trigger = trigger, ManifestHash = manifestHash, IntentCount = input.Intents.Count };
        await _epochs.SaveAsync(closed, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "closed"));
        LogClosed(_logger, record.EpochId, trigger, input.Intents.Count, manifestHash);
    }

    private async Task<bool> ClearAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        using var activity = NodeTelemetry.StartStep("clear", epochId);
        var input = await LoadInputAsync(record, cancellationToken).ConfigureAwait(false);

        // The effect of Closed (its intents were taken at close): the world hears of it.
        await _events.PublishAsync(new EpochClosed(IntegratorEventIds.Closed(epochId, record.Round), epochId, record.Trigger ?? "unknown", input.ClosesAt, input.Intents.Count, record.ManifestHash ?? default), cancellationToken).ConfigureAwait(false);

        var clearingStarted = _time.GetTimestamp();
        var batch = EpochRounds.Clear(input, record.Round);
        if (_spent.EpochId == epochId)
        {
            _spent.Clearing += _time.GetElapsedTime(clearingStarted);
        }
        else
        {
            _spent = new EpochTimes(epochId) { Clearing = _time.GetElapsedTime(clearingStarted) };
        }

        await SaveBlobOnceAsync(epochId, BlobOf(BatchBlob, record.Round), BatchFileWriter.ToUtf8(batch), cancellationToken).ConfigureAwait(false);
        // A proposer chooses its root only once its manifest is out (see PublishBeforeChoosingAsync).
        if (_operators is { } seat)
        {
            if (!await PublishBeforeChoosingAsync(record, input, batch, seat, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        // A followed epoch chooses no root: this node signs none of it (its chunks are submitted with the others' signatures).
        var chosen = IsFollowed(record) ? batch.BatchRoot : await _epochs.ChooseRootOnceAsync(epochId, record.Round, batch.BatchRoot, cancellationToken).ConfigureAwait(false);
        if (chosen != batch.BatchRoot)
        {
            throw new EpochIntegrityException($"Epoch {epochId}: this node already chose batch root {chosen}, but clearing its persisted input gives {batch.BatchRoot}; no second batch is made.");
        }

        _cleared = (epochId, input, batch);
        var cleared = Advance(record, EpochStage.Cleared) with
        {
            BatchRoot = chosen,
            Filled = batch.Filled.Count,
            Refunded = batch.Refunded.Count,
            Deferred = batch.Deferred.Count,
        };
        await _epochs.SaveAsync(cleared, Fence, cancellationToken).ConfigureAwait(false);
        _crashPoints.Reached(CrashPoint.AfterClear, epochId);
        activity?.SetTag("epoch.batch_root", chosen.ToString());
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "cleared"));
        LogCleared(_logger, epochId, chosen, batch.Filled.Count, batch.Refunded.Count, batch.Deferred.Count);
        return true;
    }

    // Attestation seam: with one operator the proposer's plan is attested as is (its submitters sign with its keys);
    // in an operator set the epoch waits here until every chunk holds a threshold of the operators' attestations.
    private async Task<bool> AttestAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        using var activity = NodeTelemetry.StartStep("attest", epochId);
        var (_, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
        var chunks = SettlementChunkPlanner.Plan(batch.Legs, _pipeline.LimitsOf);
        if (_operators is { } seat && !await CollectAttestationsAsync(record, chunks, seat, cancellationToken).ConfigureAwait(false))
        {
            // Its own root lacks the threshold: another root of the epoch may hold it, which this node then follows; or
            // no root of this round can ever reach it, and the epoch moves to the next round.
            return !IsFollowed(record)
                && (await FollowAfterLossAsync(record, seat, cancellationToken).ConfigureAwait(false)
                    || await TryNextRoundAsync(record, seat, cancellationToken).ConfigureAwait(false));
        }

        // The effects of Cleared: deferred intents go back to the book, then the world hears of the batch.
        var deferred = new List<(Bytes32 IntentId, int TimesDeferred)>();
        var transitions = new List<IntentTransition>();
        var deferredIds = batch.Deferred.ToArray();
        var deferredIntents = await _intents.GetManyAsync(deferredIds, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < deferredIds.Length; i++)
        {
            var (intentId, stored) = (deferredIds[i], deferredIntents[i]);
            if (stored is null)
            {
                continue;
            }

            if (stored.Stage == IntentStage.InEpoch && stored.EpochId == epochId)
            {
                transitions.Add(new IntentTransition(intentId, IntentStage.Open, null, Deferred: true));
                deferred.Add((intentId, stored.TimesDeferred + 1));
            }
            else
            {
                deferred.Add((intentId, stored.TimesDeferred)); // moved before a crash; only the event may be missing
            }
        }

        await _intents.TransitionAsync(transitions, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Intents.Add(transitions.Count, new KeyValuePair<string, object?>("state", "deferred"));

        // A deferred intent whose deposit was reorganised out (while the epoch held it: the store's held retraction; or
        // since) is Retracted, not back in the book: no IntentDeferred for it, whose subscribers expect it to stay open.
        var afterMove = await _intents.GetManyAsync(deferredIds, cancellationToken).ConfigureAwait(false);
        var retracted = deferredIds.Where((_, i) => afterMove[i]?.Stage == IntentStage.Retracted).ToHashSet();
        foreach (var intentId in retracted)
        {
            LogDeferredButRetracted(_logger, epochId, intentId);
        }

        deferred.RemoveAll(d => retracted.Contains(d.IntentId));
        await _events.PublishManyAsync(
            [.. deferred.Select(d => new IntentDeferred(IntegratorEventIds.Deferred(epochId, d.IntentId), epochId, d.IntentId, d.TimesDeferred))],
            cancellationToken).ConfigureAwait(false);

        var prices = batch.Prices.Select(p => new PairPriceQuote(p.Base, p.Quote, p.Numerator.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Denominator.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        await _events.PublishAsync(new EpochCleared(IntegratorEventIds.Cleared(epochId), epochId, batch.BatchRoot, prices, batch.Filled.Count, batch.Refunded.Count, batch.Deferred.Count, chunks.Count), cancellationToken).ConfigureAwait(false);

        var attested = Advance(record, EpochStage.Attested) with
        {
            Chunks = [.. chunks.Select(c => new ChunkProgress(c.ChainId, c.Index, ChunkProgressStage.Planned, 0, null, null))],
        };
        await _epochs.SaveAsync(attested, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "attested"));
        return true;
    }

    private async Task<bool> ReleaseAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        using var activity = NodeTelemetry.StartStep("release", epochId);
        var (_, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
        var chunks = SettlementChunkPlanner.Plan(batch.Legs, _pipeline.LimitsOf);
        var ledger = NewLedger(record);
        if (!await _pipeline.RunAsync([.. chunks.Where(c => c.Stage == ChunkStage.Release)], ledger, PublishLegAppliedAsync, cancellationToken).ConfigureAwait(false))
        {
            return false; // a Release chunk waits for its next round; the epoch stays Attested
        }

        var released = Advance(ledger.Record, EpochStage.Released);
        await _epochs.SaveAsync(released, Fence, cancellationToken).ConfigureAwait(false);
        RecordLatency(released, EpochStage.Closed, EpochStage.Released, "release");
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "released"));
        return true;
    }

    private async Task<bool> PayAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        using var activity = NodeTelemetry.StartStep("pay", epochId);
        var (input, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
        var chunks = SettlementChunkPlanner.Plan(batch.Legs, _pipeline.LimitsOf);
        var ledger = NewLedger(record);
        var transfers = chunks.Where(c => c.Stage == ChunkStage.Transfer).ToArray();
        if (BreakOnPurpose.SkipsPayouts)
        {
            // Debug builds only: the sabotage the chaos harness's checker must catch (see BreakOnPurpose).
            transfers = [.. transfers.Where(c => c.Actions.Any(a => a.Kind != ActionKind.Payout))];
        }
        if (!await _pipeline.RunAsync(transfers, ledger, PublishLegAppliedAsync, cancellationToken).ConfigureAwait(false))
        {
            // A chunk (a payout whose Release is final, a refund) is not applied yet: the epoch stays Released,
            // so no later epoch settles before it (legs apply in epoch order); the pipeline reports it at every round.
            return false;
        }

        // Every transfer chunk applied (none is ever abandoned): every intent of the batch's transfers ends here, paid or refunded.
        var intents = input.Intents.ToDictionary(i => i.IntentId);
        var reasons = batch.Stats.Refunds.ToDictionary(r => r.IntentId, r => r.Reason);
        var outcomes = new List<(IntentTransition Transition, IIntegratorEvent? Event)>();
        foreach (var chunk in transfers)
        {
            var progress = ledger[chunk.Reference];
            foreach (var action in chunk.Actions)
            {
                if (action.Kind == ActionKind.Payout)
                {
                    outcomes.Add((new IntentTransition(action.IntentId, IntentStage.Filled, epochId, false),
                        new IntentSettled(IntegratorEventIds.Settled(action.IntentId), epochId, action.IntentId, chunk.ChainId, action.Account, action.Amount, progress.TransactionId)));
                }
                else if (action.Kind == ActionKind.Refund)
                {
                    var origin = intents.TryGetValue(action.IntentId, out var intent) ? intent.OriginChainId : chunk.ChainId;
                    outcomes.Add((new IntentTransition(action.IntentId, IntentStage.Refunded, epochId, false),
                        new IntentRefunded(IntegratorEventIds.Refunded(action.IntentId), epochId, action.IntentId, origin, action.Account, action.Amount, reasons.GetValueOrDefault(action.IntentId, "unknown"), progress.TransactionId)));
                }
            }
        }

        var transitions = new List<IntentTransition>();
        var stored = await _intents.GetManyAsync([.. outcomes.Select(o => o.Transition.IntentId)], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (stored[i] is { Stage: IntentStage.InEpoch } intent && intent.EpochId == epochId)
            {
                transitions.Add(outcomes[i].Transition);
            }
        }

        await _intents.TransitionAsync(transitions, Fence, cancellationToken).ConfigureAwait(false);
        foreach (var group in transitions.GroupBy(t => t.Stage))
        {
            NodeTelemetry.Intents.Add(group.Count(), new KeyValuePair<string, object?>("state", group.Key == IntentStage.Open ? "returned" : group.Key.ToString().ToLowerInvariant()));
        }

        await _events.PublishManyAsync([.. outcomes.Select(o => o.Event).OfType<IIntegratorEvent>()], cancellationToken).ConfigureAwait(false);

        var settled = Advance(ledger.Record, EpochStage.Settled) with
        {
            Filled = outcomes.Count(o => o.Transition.Stage == IntentStage.Filled),
            Refunded = outcomes.Count(o => o.Transition.Stage == IntentStage.Refunded),
        };
        await _epochs.SaveAsync(settled, Fence, cancellationToken).ConfigureAwait(false);
        RecordLatency(settled, EpochStage.Released, EpochStage.Settled, "payout");
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "settled"));
        LogSettled(_logger, epochId, settled.Filled, settled.Refunded);
        return true;
    }

    private async Task<bool> MarginAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        using var activity = NodeTelemetry.StartStep("margin", epochId);
        var pools = await _epochs.GetBlobAsync(epochId, MarginBlob, cancellationToken).ConfigureAwait(false) is { } stored
            ? JsonSerializer.Deserialize<PoolMargin[]>(stored) ?? []
            : await ComputeMarginAsync(record, cancellationToken).ConfigureAwait(false);
        if (pools is null)
        {
            return false;
        }

        await _events.PublishAsync(new MarginUpdated(IntegratorEventIds.Margin(epochId), epochId, pools), cancellationToken).ConfigureAwait(false);
        foreach (var pool in pools)
        {
            NodeTelemetry.PoolUtilisation.Record(pool.UtilisationBps, new KeyValuePair<string, object?>("chain", pool.ChainId.Value), new KeyValuePair<string, object?>("token", pool.Token.ToString()));
            if (pool.BelowFloor)
            {
                LogBelowFloor(_logger, epochId, pool.ChainId.Value, pool.Token, pool.Balance, pool.Obligations);
            }
        }

        var margined = Advance(record, EpochStage.Margined);
        await _epochs.SaveAsync(margined, Fence, cancellationToken).ConfigureAwait(false);
        NodeTelemetry.Epochs.Add(1, new KeyValuePair<string, object?>("stage", "margined"));
        _margined = (margined, pools); // reported once this step's time is counted
        return true;
    }

    private void ReportProgress(EpochRecord record, IReadOnlyList<PoolMargin> pools)
    {
        if (_progress is null)
        {
            return;
        }

        var spent = _spent.EpochId == record.EpochId ? _spent : new EpochTimes(record.EpochId);
        var settleLatency = record.StageTimes.TryGetValue(EpochStage.Closed, out var closed) && record.StageTimes.TryGetValue(EpochStage.Settled, out var settled)
            ? TimeSpan.FromMilliseconds(settled - closed)
            : TimeSpan.Zero;
        var summary = new EpochSummary(
            record.EpochId, record.Trigger ?? "unknown", record.IntentCount, record.Filled, record.Refunded, record.Deferred,
            record.Chunks.Select(c => c.ChainId).Distinct().Count(), record.Chunks.Count, record.Chunks.Count(c => c.Stage == ChunkProgressStage.Abandoned),
            settleLatency, spent.Node, spent.Chain, pools, spent.Clearing, spent.Steps, spent.LedgerSaves, spent.LedgerSaveTime);
        try
        {
            _progress.EpochMargined(summary);
        }
        catch (Exception ex)
        {
            LogProgressFailed(_logger, ex, record.EpochId);
        }
    }

    private async Task<PoolMargin[]?> ComputeMarginAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        var prices = await ReadPricesAsync(record.EpochId, cancellationToken).ConfigureAwait(false);
        if (prices is null)
        {
            return null;
        }

        var (input, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
        var current = prices.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal);
        var valued = new AssetRegistry(_registry.Assets.Select(a => a with { ReferencePrice = current[a.Id] }));
        var readings = (await ReadPoolsAsync(null, cancellationToken).ConfigureAwait(false)).Select(p => new PoolReading(p.ChainId, p.Token, p.Balance)).ToArray();
        var carried = batch.Deferred.ToHashSet();
        var obligations = input.Intents.Where(i => carried.Contains(i.IntentId)).Select(i => new PoolObligation(i.DestinationChainId, i.OutputToken, i.MinOutputAmount)).ToArray();
        var pools = MarginEngine.Compute(valued, readings, obligations, _options.Margin)
            .Select(r => new PoolMargin(r.ChainId, r.Token, r.AssetId, r.Balance, r.Obligations, r.UtilisationBps, r.Cap, r.BelowFloor))
            .ToArray();
        await _epochs.SaveBlobAsync(record.EpochId, MarginBlob, JsonSerializer.SerializeToUtf8Bytes(pools), Fence, cancellationToken).ConfigureAwait(false);
        return pools;
    }

    // The pools the clearing may use: the balances the chains report (the previous epoch is settled), capped by the
    // caps the margin engine published after the previous epoch. In an operator set they are read as of the epoch's
    // cursors (at), so that every operator reads the same figures for a manifest however late it verifies; a chain
    // without a cursor there is read now.
    private async Task<PoolBalance[]> PoolsForClearingAsync(ulong epochId, IReadOnlyDictionary<ChainId, ChainCursor>? at, CancellationToken cancellationToken)
    {
        var caps = new Dictionary<(ChainId, Bytes32), UInt256>();
        if (epochId > 1 && await _epochs.GetBlobAsync(epochId - 1, MarginBlob, cancellationToken).ConfigureAwait(false) is { } margin)
        {
            foreach (var pool in JsonSerializer.Deserialize<PoolMargin[]>(margin) ?? [])
            {
                caps[(pool.ChainId, pool.Token)] = pool.NextEpochCap;
            }
        }

        return [.. (await ReadPoolsAsync(at, cancellationToken).ConfigureAwait(false))
            .Select(p => caps.TryGetValue((p.ChainId, p.Token), out var cap) ? p with { Balance = UInt256.Min(p.Balance, cap) } : p)];
    }

    private List<(ChainId ChainId, ChainCursor Cursor)> ReadCursors() =>
        _cursors is null
            ? []
            : [.. _chains.Select(c => (c.ChainId, Cursor: _cursors.CursorOf(c.ChainId))).Where(c => c.Cursor is not null).Select(c => (c.ChainId, c.Cursor!))];

    private async Task<List<PoolBalance>> ReadPoolsAsync(IReadOnlyDictionary<ChainId, ChainCursor>? at, CancellationToken cancellationToken)
    {
        var pools = new List<PoolBalance>();
        foreach (var chain in _chains.OrderBy(c => c.ChainId))
        {
            var cursor = at?.GetValueOrDefault(chain.ChainId);
            foreach (var token in _registry.Assets.SelectMany(a => a.Tokens).Where(t => t.ChainId == chain.ChainId).OrderBy(t => t.Token))
            {
                var balance = await _chainWait.WaitAsync(() => cursor is null
                    ? chain.Escrow.PoolBalanceAsync(token.Token, cancellationToken)
                    : chain.Escrow.PoolBalanceAtAsync(token.Token, cursor, cancellationToken)).ConfigureAwait(false);
                pools.Add(new PoolBalance(chain.ChainId, token.Token, balance));
            }
        }

        return pools;
    }

    private async Task<IReadOnlyList<ReferencePrice>?> ReadPricesAsync(ulong epochId, CancellationToken cancellationToken)
    {
        try
        {
            var prices = await _prices.CurrentAsync(cancellationToken).ConfigureAwait(false);
            var missing = _registry.Assets.FirstOrDefault(a => !prices.Any(p => p.AssetId == a.Id && !p.Price.IsZero));
            return missing is null ? prices : throw new PriceUnavailableException(missing.Id, "the feed gave no positive price for it");
        }
        catch (PriceUnavailableException ex)
        {
            LogPriceUnavailable(_logger, ex, epochId, ex.AssetId);
            NodeTelemetry.PriceUnavailable.Add(1, new KeyValuePair<string, object?>("asset", ex.AssetId));
            return null;
        }
    }

    // A followed epoch's input is the followed manifest's when it switched to it after Cleared (see EpochLoop.Following).
    private async Task<EpochInput> LoadInputAsync(EpochRecord record, CancellationToken cancellationToken) =>
        EpochFileReader.Parse(
            (IsFollowed(record) ? await _epochs.GetBlobAsync(record.EpochId, FollowedInputBlob, cancellationToken).ConfigureAwait(false) : null)
            ?? await _epochs.GetBlobAsync(record.EpochId, BlobOf(InputBlob, record.Round), cancellationToken).ConfigureAwait(false)
            ?? throw new EpochIntegrityException($"Epoch {record.EpochId} is past Closed but its input blob is missing."));

    // The batch of a cleared epoch, re-cleared from the persisted input after a restart; it must give the chosen root.
    private async Task<(EpochInput Input, SettlementBatch Batch)> ClearedBatchAsync(EpochRecord record, CancellationToken cancellationToken)
    {
        if (_cleared is { } cached && cached.EpochId == record.EpochId && cached.Batch.BatchRoot == record.BatchRoot)
        {
            return (cached.Input, cached.Batch);
        }

        var input = await LoadInputAsync(record, cancellationToken).ConfigureAwait(false);
        var batch = EpochRounds.Clear(input, record.Round);
        if (batch.BatchRoot != record.BatchRoot)
        {
            throw new EpochIntegrityException($"Epoch {record.EpochId}: re-clearing its persisted input gives root {batch.BatchRoot}, the record holds {record.BatchRoot}.");
        }

        _cleared = (record.EpochId, input, batch);
        return (input, batch);
    }

    private async Task SaveBlobOnceAsync(ulong epochId, string name, byte[] content, CancellationToken cancellationToken)
    {
        if (await _epochs.GetBlobAsync(epochId, name, cancellationToken).ConfigureAwait(false) is null)
        {
            await _epochs.SaveBlobAsync(epochId, name, content, Fence, cancellationToken).ConfigureAwait(false);
        }
    }

    // Every chunk's progress change is one fenced write of that chunk alone; the writes' time is reported with the epoch.
    private ChunkLedger NewLedger(EpochRecord record) => new(record, async (progress, token) =>
    {
        var started = _time.GetTimestamp();
        await _epochs.SaveChunkAsync(record.EpochId, progress, Fence, token).ConfigureAwait(false);
        if (_spent.EpochId == record.EpochId)
        {
            _spent.RecordLedgerSave(_time.GetElapsedTime(started));
        }
    });

    private Task PublishLegAppliedAsync(SettlementChunk chunk, ChunkProgress progress, CancellationToken cancellationToken) =>
        _events.PublishAsync(
            new LegApplied(
                IntegratorEventIds.LegApplied(chunk.EpochId, chunk.ChainId, chunk.Index), chunk.EpochId, chunk.ChainId, chunk.Index, chunk.Stage.ToString(),
                chunk.Actions.Count, progress.TransactionId, progress.Stage == ChunkProgressStage.AlreadyApplied),
            cancellationToken);

    private EpochRecord Advance(EpochRecord record, EpochStage stage) =>
        record with { Stage = stage, StageTimes = new Dictionary<EpochStage, long>(record.StageTimes) { [stage] = _time.GetUtcNow().ToUnixTimeMilliseconds() } };

    private static void RecordLatency(EpochRecord record, EpochStage from, EpochStage to, string phase)
    {
        if (record.StageTimes.TryGetValue(from, out var start) && record.StageTimes.TryGetValue(to, out var end))
        {
            NodeTelemetry.SettleLatency.Record(end - start, new KeyValuePair<string, object?>("phase", phase));
        }
    }

    [LoggerMessage(EventId = 38, Level = LogLevel.Information, Message = "Epoch {EpochId}: the pools at this node's own cursors are unknown ({Why}); it proposes nothing until its watchers pass that change, and judges the others' manifests meanwhile")]
    private static partial void LogPoolsUnknownAtOwnCursors(ILogger logger, ulong epochId, string why);

    [LoggerMessage(EventId = 37, Level = LogLevel.Warning, Message = "Epoch {EpochId}: intent {IntentId} was deferred but is Retracted now (its deposit was reorganised out): no IntentDeferred for it")]
    private static partial void LogDeferredButRetracted(ILogger logger, ulong epochId, Bytes32 intentId);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Epoch {EpochId} open")]
    private static partial void LogOpened(ILogger logger, ulong epochId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Epoch {EpochId} closed by {Trigger} with {IntentCount} intents, manifest {ManifestHash}")]
    private static partial void LogClosed(ILogger logger, ulong epochId, string trigger, int intentCount, Bytes32 manifestHash);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Epoch {EpochId} cleared: root {BatchRoot}, {Filled} filled, {Refunded} refunded, {Deferred} deferred")]
    private static partial void LogCleared(ILogger logger, ulong epochId, Bytes32 batchRoot, int filled, int refunded, int deferred);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Epoch {EpochId} settled: {Filled} filled, {Refunded} refunded")]
    private static partial void LogSettled(ILogger logger, ulong epochId, int filled, int refunded);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Epoch {EpochId} cannot close or margin: no usable price for asset {AssetId}")]
    private static partial void LogPriceUnavailable(ILogger logger, Exception exception, ulong epochId, string assetId);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Epoch {EpochId} pool of token {Token} on chain {ChainId} is below its floor: balance {Balance}, obligations {Obligations}")]
    private static partial void LogBelowFloor(ILogger logger, ulong epochId, ulong chainId, Bytes32 token, UInt256 balance, UInt256 obligations);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "Epoch {EpochId} intent {IntentId} left the book ({Stage}) before the epoch took it")]
    private static partial void LogIntentLeftBeforeTaken(ILogger logger, ulong epochId, Bytes32 intentId, IntentStage? stage);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "Node {NodeId} lost its lease; the epoch loop stops")]
    private static partial void LogLeaseLost(ILogger logger, Exception exception, string nodeId);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "The store holds no epoch but the escrows already applied epochs up to {HighestApplied}: the first epoch is {EpochId}")]
    private static partial void LogFreshStoreAboveApplied(ILogger logger, ulong epochId, ulong highestApplied);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Epoch {EpochId}: intent {IntentId} is already {State} on its origin chain {ChainId}; not booked")]
    private static partial void LogSettledElsewhere(ILogger logger, ulong epochId, Bytes32 intentId, ulong chainId, EscrowIntentState state);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Epoch {EpochId}: intent {IntentId} is booked Open but its origin chain {ChainId} has no such deposit (a missed retraction or a forged IntentObserved); left out of the epoch")]
    private static partial void LogUnknownOnChain(ILogger logger, ulong epochId, Bytes32 intentId, ulong chainId);

    [LoggerMessage(EventId = 18, Level = LogLevel.Critical, Message = "Epoch {EpochId}: intent {IntentId} is released on its origin chain {ChainId} but its payout on destination chain {DestinationChainId} is not confirmed: the release happened under a lost store, an operator must act; left out of the epoch, not marked Filled")]
    private static partial void LogReleasedUnpaid(ILogger logger, ulong epochId, Bytes32 intentId, ulong chainId, ulong destinationChainId);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "Epoch {EpochId}: the state of intent {IntentId} on its origin chain {ChainId} cannot be read; it waits for a later epoch")]
    private static partial void LogStateUnread(ILogger logger, Exception exception, ulong epochId, Bytes32 intentId, ulong chainId);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Epoch {EpochId}: the progress listener threw; the loop goes on")]
    private static partial void LogProgressFailed(ILogger logger, Exception exception, ulong epochId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error, Message = "An epoch step failed; it is tried again in {Delay}, waiting longer while it keeps failing")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "Epoch steps still failing: {Failures} consecutive failures, the last {ExceptionType}: {Error}; tried again in {Delay}")]
    private static partial void LogStepStillFailing(ILogger logger, int failures, string exceptionType, string error, TimeSpan delay);

    [LoggerMessage(EventId = 13, Level = LogLevel.Information, Message = "An epoch step succeeded after {Failures} consecutive failures")]
    private static partial void LogStepRecovered(ILogger logger, int failures);
}
