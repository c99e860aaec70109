using System.Diagnostics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>
/// Follows one IntentEscrow: eth_getLogs over block ranges that stay <c>ConfirmationDepth</c> blocks behind the head,
/// a range that halves while the node refuses it, recent block hashes to detect a reorg (each intent reported from
/// a dropped block is retracted, then the new blocks are scanned), and a checkpoint saved after every delivered batch.
/// After each scanned range, at start-up and every <c>ReconcileInterval</c> it reconciles against the escrow's deposit
/// counter and recovers from state any intent whose log the node left out (README: gap-free intake). Every scanned
/// range goes to the <see cref="IChainEventSink"/> as one <see cref="ChainEventBatch"/> (empty ones too, so the sink
/// sees the cursor move); settlement events are not followed here: <see cref="Escrow.EscrowState"/> reads their effects.
/// </summary>
public sealed partial class EscrowWatcher : IChainWatcher
{
    private const int ReportsPerHeadBits = 20;
    private ulong? _nextReport;
    private readonly IEvmRpc _rpc;
    private readonly EvmChainOptions _options;
    private readonly ICheckpointStore<WatcherCheckpoint> _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IntentOpenedDecoder _decoder;
    private readonly ChainId _chainId;
    private readonly EvmAddress _escrow;
    private readonly Bytes32[] _topics;
    private readonly IntentRecovery _recovery;
    private readonly TagList _tags;
    private WatcherCheckpoint? _state;
    private DateTimeOffset? _lastReconciled;
    private int _range;
    private int _ceiling;

    public EscrowWatcher(IEvmRpc rpc, EvmChainOptions options, ICheckpointStore<WatcherCheckpoint> store, TimeProvider timeProvider, ILogger<EscrowWatcher> logger, FinalityBreach? finalityBreach = null)
    {
        FinalityBreach = finalityBreach ?? new FinalityBreach();
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _chainId = options.Chain;
        _tags = ChainTelemetry.Tags(ChainKind.Evm, _chainId);
        _escrow = options.Escrow;
        _decoder = new IntentOpenedDecoder(_chainId, _escrow);
        _recovery = new IntentRecovery(rpc, _chainId, _escrow, (ulong)options.StartBlock, options.MaxBlockRange);
        _topics = [IntentOpenedDecoder.Topic0];
        _range = options.MaxBlockRange;
        _ceiling = options.MaxBlockRange;
    }

    public ChainId ChainId => _chainId;

    /// <summary>Set when a block this watcher treated as final was reorganised out; its intake is then stopped.</summary>
    public FinalityBreach FinalityBreach { get; }

    public ChainKind Kind => ChainKind.Evm;

    /// <summary>The current eth_getLogs range: halves when a node refuses a range, then grows back up to just below the refused size.</summary>
    public int CurrentRange => _range;

    /// <summary>
    /// Checks the node serves the configured chain and escrow (a mismatch throws), then polls until cancelled;
    /// a failing step is logged and retried after the poll interval, never ends the loop.
    /// </summary>
    public async Task RunAsync(IChainEventSink sink, CancellationToken cancellationToken)
    {
        // A node that is down at start is waited for; a node serving another chain, or no escrow there, stops the watcher.
        while (true)
        {
            try
            {
                await _rpc.EnsureChainAsync(_options, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (RpcTransportException e) when (e.IsTransient && !cancellationToken.IsCancellationRequested)
            {
                LogNodeUnreachable(_logger, _chainId.Value, e);
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                while (await PollOnceAsync(sink, cancellationToken).ConfigureAwait(false))
                {
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw; // stopped: the same way whether the cancellation came mid-poll or between polls
            }
#pragma warning disable CA1031 // The loop outlives any one failure; the failure is logged with its cause.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogPollFailed(_logger, _chainId.Value, e);
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// One step: detect a reorg, then scan one range if one is confirmed and reconcile against the escrow's deposit
    /// counter at its last block, read below the head (or, with nothing to scan, at start-up and every <c>ReconcileInterval</c>). True when
    /// more work is waiting.
    /// </summary>
    public async Task<bool> PollOnceAsync(IChainEventSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var activity = EvmTelemetry.ActivitySource.StartActivity("watcher poll");
        activity?.SetTag("chain.id", _chainId.Value);
        var state = _state ??= await _store.LoadAsync(cancellationToken).ConfigureAwait(false)
            ?? new WatcherCheckpoint((ulong)_options.StartBlock, []);
        if (state.HaltedBecause is { } halted)
        {
            // Stopped by a reorganisation deeper than the confirmation depth (here or before a restart): read nothing.
            if (FinalityBreach.Report(halted))
            {
                LogIntakeHalted(_logger, _chainId.Value, halted);
            }

            return false;
        }

        var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        ChainTelemetry.WatcherLag.Record(head >= state.NextBlock ? (long)(head + 1 - state.NextBlock) : 0, _tags);
        if (await DetectReorgAsync(state, cancellationToken).ConfigureAwait(false) is var (retracted, rewound))
        {
            // The rewound state becomes current only once the sink has the retractions: if it throws, the next
            // step detects the same reorg again instead of forgetting it.
            await DeliverAsync(sink, [], retracted, rewound, head, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (state.NextNonce is null)
        {
            if (state.NextBlock > head)
            {
                // The counter just before NextBlock is read once a block follows it (see SettledStateBlock); until
                // then there is nothing to scan either.
                return false;
            }

            // A fresh (or pre-reconciliation) checkpoint: every deposit before NextBlock counts as reported.
            state = _state = state with { NextNonce = await FirstExpectedNonceAsync(state.NextBlock, cancellationToken).ConfigureAwait(false), EmittedAbove = [] };
        }

        var ledger = new NonceLedger(state.NextNonce.Value, state.EmittedAbove);
        var safe = head >= (ulong)_options.ConfirmationDepth ? head - (ulong)_options.ConfirmationDepth : (ulong?)null;
        if (safe is null || state.NextBlock > safe)
        {
            await ReconcileIdleAsync(sink, state, ledger, head, cancellationToken).ConfigureAwait(false);
            return false;
        }

        var from = state.NextBlock;
        var to = Math.Min(safe.Value, from + (ulong)_range - 1);
        activity?.SetTag("block.from", from);
        activity?.SetTag("block.to", to);

        var before = await _rpc.GetBlockAsync(BlockTag.Number(to), cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return false;
        }

        IReadOnlyList<EvmLog> logs;
        try
        {
            logs = await _rpc.GetLogsAsync(new LogFilter(from, to, _escrow, _topics), cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException e) when (e.IsRangeTooLarge && to > from)
        {
            // A node's limit is stable: never ask the refused size again, and retry with half of it.
            _ceiling = (int)Math.Max(1, to - from);
            _range = (int)Math.Max(1, (to - from + 1) / 2);
            LogRangeReduced(_logger, _chainId.Value, from, to, _range, e.RpcMessage);
            return true;
        }

        var after = await _rpc.GetBlockAsync(BlockTag.Number(to), cancellationToken).ConfigureAwait(false);
        if (after is null || after.Hash != before.Hash || logs.Any(l => l.BlockNumber == to && l.BlockHash != before.Hash))
        {
            // The range changed under the query: the logs may mix two forks. Ask again.
            LogRangeUnstable(_logger, _chainId.Value, from, to);
            return true;
        }

        var (observed, blocks) = Decode(from, to, before, logs, ledger);
        var recovered = SettledStateBlock(to, head) is { } settled
            ? await ReconcileAsync(ledger, settled, $"after scanning blocks {from}-{to}", blocks, cancellationToken).ConfigureAwait(false)
            : [];
        if (recovered.Count > 0 && !await StillCanonicalAsync(to, before.Hash, cancellationToken).ConfigureAwait(false))
        {
            // Recovery reads state and logs by block number: a reorg after the scan would mix the new fork's intents
            // into the old fork's checkpoint (never retracted). Drop this pass; the next one sees the reorg.
            LogRangeUnstable(_logger, _chainId.Value, from, to);
            return true;
        }

        var recent = MergeBlocks(state.RecentBlocks, blocks, to);
        await DeliverAsync(sink, [.. observed, .. recovered], [], new WatcherCheckpoint(to + 1, recent, ledger.Next, ledger.Above), head, cancellationToken).ConfigureAwait(false);
        _range = (int)Math.Min(_ceiling, (long)_range * 2);
        return to < safe;
    }

    private async Task<bool> StillCanonicalAsync(ulong number, Bytes32 hash, CancellationToken cancellationToken) =>
        (await _rpc.GetBlockAsync(BlockTag.Number(number), cancellationToken).ConfigureAwait(false))?.Hash == hash;

    /// <summary>
    /// The block at which the watcher reads the escrow's state for <paramref name="block"/>: that block when a newer
    /// one exists, else the one before it (null at block 0). A node can answer a state read at its head block with the
    /// state of the block it is mining at that moment: anvil does, about one read in twenty while many opens land per
    /// block. A deposit counter read there counts deposits whose logs are in no block yet; they are not yet scanned, not
    /// missing, and the intent a recovery then looks for is not stored at that block. A block below the head has
    /// settled state on every node. With ConfirmationDepth 0 a log missing from the head block is therefore recovered
    /// one block later.
    /// </summary>
    private static ulong? SettledStateBlock(ulong block, ulong head) => block < head ? block : head > 0 ? head - 1 : null;

    /// <summary>The escrow's counter just before <paramref name="nextBlock"/>: deposits before it count as reported.</summary>
    private async Task<ulong> FirstExpectedNonceAsync(ulong nextBlock, CancellationToken cancellationToken)
    {
        if (nextBlock == 0)
        {
            return 0;
        }

        try
        {
            return await _recovery.ReadCounterAsync(nextBlock - 1, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException e) when (e.IsMissingState)
        {
            // A node without that old state: StartBlock is documented as the deployment block, where the counter is 0.
            // Any other error (a lagging node, a rate limit) propagates and the poll is retried.
            LogCounterUnavailableAtStart(_logger, _chainId.Value, nextBlock - 1, e.RpcMessage);
            return 0;
        }
    }

    /// <summary>With no new confirmed block: reconcile at start-up and then every ReconcileInterval, at the last scanned block (settled).</summary>
    private async Task ReconcileIdleAsync(IChainEventSink sink, WatcherCheckpoint state, NonceLedger ledger, ulong head, CancellationToken cancellationToken)
    {
        if (state.NextBlock == 0 || (_lastReconciled is { } last && _time.GetUtcNow() - last < _options.ReconcileInterval)
            || SettledStateBlock(state.NextBlock - 1, head) is not { } block)
        {
            return;
        }

        var reason = _lastReconciled is null ? "at start-up" : "on the reconcile timer";
        var blocks = new List<ProcessedBlock>();
        var recovered = await ReconcileAsync(ledger, block, reason, blocks, cancellationToken).ConfigureAwait(false);
        var scanned = state.RecentBlocks.LastOrDefault(b => b.Number == block);
        if (recovered.Count > 0 && scanned is not null && !await StillCanonicalAsync(block, scanned.Hash, cancellationToken).ConfigureAwait(false))
        {
            // The last scanned block was reorganised out: what was read by number belongs to the new fork. The next
            // poll detects the reorg (retractions first) and reconciles again.
            return;
        }

        if (recovered.Count > 0)
        {
            var next = new WatcherCheckpoint(state.NextBlock, MergeBlocks(state.RecentBlocks, blocks, block), ledger.Next, ledger.Above);
            await DeliverAsync(sink, recovered, [], next, head, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Compares the escrow's deposit counter at <paramref name="block"/> (the last scanned block) with the emitted nonces
    /// and recovers every missing one from state; one that cannot be recovered consistently is refused with an error
    /// and stays missing, so the next reconciliation (and a restart, from the checkpoint) tries it again.
    /// </summary>
    private async Task<List<IntentObserved>> ReconcileAsync(NonceLedger ledger, ulong block, string when, List<ProcessedBlock> blocks, CancellationToken cancellationToken)
    {
        var recovered = new List<IntentObserved>();
        ulong counter;
        try
        {
            counter = await _recovery.ReadCounterAsync(block, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException e)
        {
            // A node without state that old (not an archive node) while catching up: a later reconciliation, at a
            // recent block, covers every nonce below its counter, these included.
            LogReconcileDeferred(_logger, _chainId.Value, block, e.RpcMessage);
            return recovered;
        }

        foreach (var nonce in ledger.Missing(counter))
        {
            RecoveredIntent found;
            try
            {
                found = await _recovery.RecoverAsync(nonce, block, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IntentRecoveryException or AbiDecodingException or JsonRpcException)
            {
                ChainTelemetry.RecoveriesRefused.Add(1, _tags);
                LogRecoveryRefused(_logger, _chainId.Value, nonce, counter, block, e.Message);
                continue;
            }

            ledger.Add(nonce);
            var because = $"deposit nonce {nonce} is below the escrow's counter ({counter} at block {block}, checked {when}) but eth_getLogs never returned its IntentOpened (the node dropped or delayed the log); recovered from the escrow's state and its log fetched by intent id";
            recovered.Add(new IntentObserved { Intent = found.Intent, Position = found.Position, RecoveredBecause = because });
            blocks.Add(new ProcessedBlock(found.Position.BlockNumber, found.BlockHash, [found.Intent.IntentId]));
            ChainTelemetry.IntentsRecovered.Add(1, _tags);
            LogIntentRecovered(_logger, _chainId.Value, nonce, found.Intent.IntentId, found.Position.BlockNumber, counter, block, when);
        }

        _lastReconciled = _time.GetUtcNow();
        return recovered;
    }

    /// <summary>The kept block hashes plus the new ones (same block: intent ids joined), ascending, within the reorg window of <paramref name="to"/>.</summary>
    private ProcessedBlock[] MergeBlocks(IReadOnlyList<ProcessedBlock> kept, IEnumerable<ProcessedBlock> added, ulong to) =>
        kept.Concat(added)
            .GroupBy(b => b.Number)
            .Select(g => new ProcessedBlock(g.Key, g.First().Hash, [.. g.SelectMany(b => b.IntentIds).Distinct()]))
            .Where(b => b.Number + (ulong)_options.ReorgWindow > to)
            .OrderBy(b => b.Number)
            .ToArray();

    private (List<IntentObserved> Observed, List<ProcessedBlock> Blocks) Decode(ulong from, ulong to, BlockHeader toHeader, IReadOnlyList<EvmLog> logs, NonceLedger ledger)
    {
        var observed = new List<IntentObserved>();
        var intentsByBlock = new SortedDictionary<ulong, (Bytes32 Hash, List<Bytes32> Ids)>();
        foreach (var log in logs.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex))
        {
            if (log.Removed || log.Address != _escrow || log.BlockNumber < from || log.BlockNumber > to)
            {
                continue;
            }

            if (!intentsByBlock.TryGetValue(log.BlockNumber, out var entry))
            {
                entry = (log.BlockHash, []);
                intentsByBlock[log.BlockNumber] = entry;
            }

            var position = new ChainPosition
            {
                BlockNumber = log.BlockNumber,
                BlockHash = log.BlockHash.ToString(),
                TransactionId = log.TransactionHash.ToString(),
                LogIndex = log.LogIndex,
            };
            try
            {
                if (log.Topics.Count > 0 && log.Topics[0] == IntentOpenedDecoder.Topic0)
                {
                    var intent = _decoder.Decode(log.Topics, log.Data);
                    if (!ledger.Add(intent.DepositNonce))
                    {
                        // Recovered earlier (the node delivered the log late) or a duplicate entry: emitted once only.
                        LogAlreadyEmitted(_logger, _chainId.Value, intent.DepositNonce, intent.IntentId, log.BlockNumber);
                        continue;
                    }

                    observed.Add(new IntentObserved { Intent = intent, Position = position });
                    entry.Ids.Add(intent.IntentId);
                    LogIntentObserved(_logger, _chainId.Value, intent.IntentId, log.BlockNumber);
                }
            }
            catch (Exception e) when (e is EscrowLogException or AbiDecodingException)
            {
                ChainTelemetry.EventsSkipped.Add(1, _tags);
                LogBadLog(_logger, _chainId.Value, log.BlockNumber, log.TransactionHash, log.LogIndex, e.Message);
            }
        }

        intentsByBlock.TryAdd(to, (toHeader.Hash, []));
        var blocks = intentsByBlock.Select(p => new ProcessedBlock(p.Key, p.Value.Hash, p.Value.Ids)).ToList();
        ChainTelemetry.IntentsObserved.Add(observed.Count, _tags);
        return (observed, blocks);
    }

    /// <summary>Null when the newest processed block still has its hash; else the retractions and the state rewound to the fork point.</summary>
    private async Task<(IReadOnlyList<IntentRetracted> Retracted, WatcherCheckpoint Rewound)?> DetectReorgAsync(WatcherCheckpoint state, CancellationToken cancellationToken)
    {
        var recent = state.RecentBlocks;
        if (recent.Count == 0)
        {
            return null;
        }

        var newest = recent[^1];
        var header = await _rpc.GetBlockAsync(BlockTag.Number(newest.Number), cancellationToken).ConfigureAwait(false);
        if (header is not null && header.Hash == newest.Hash)
        {
            return null;
        }

        var headers = await _rpc.GetBlocksAsync(recent.Select(b => b.Number).ToArray(), cancellationToken).ConfigureAwait(false);
        var kept = -1;
        for (var i = recent.Count - 1; i >= 0; i--)
        {
            if (headers[i] is { } h && h.Hash == recent[i].Hash)
            {
                kept = i;
                break;
            }
        }

        ulong nextBlock;
        if (kept >= 0)
        {
            nextBlock = recent[kept].Number + 1;
        }
        else
        {
            nextBlock = recent[0].Number;
            LogReorgBeyondWindow(_logger, _chainId.Value, recent[0].Number);
        }

        var dropped = recent.Skip(kept + 1).ToArray();
        var retractions = dropped
            .SelectMany(b => b.IntentIds.Select(id => new IntentRetracted
            {
                ChainId = _chainId,
                IntentId = id,
                Reason = $"block {b.Number} ({b.Hash}) was reorganised out",
                BlockHash = b.Hash.ToString(),
            }))
            .ToArray();
        ChainTelemetry.Reorgs.Add(1, _tags);
        ChainTelemetry.IntentsRetracted.Add(retractions.Length, _tags);
        LogReorg(_logger, _chainId.Value, nextBlock, dropped.Length, retractions.Length);
        var rewound = new WatcherCheckpoint(nextBlock, recent.Take(kept + 1).ToArray());
        if (_options.ConfirmationDepth > 0)
        {
            // Every processed block was ConfirmationDepth deep when scanned: its loss breaks the finality the node acted
            // on (intents accepted, maybe settled). Retract what can be, then stop this chain loudly; never go on quietly.
            var first = dropped[0];
            var now = headers[kept + 1]?.Hash.ToString() ?? "no block";
            var reason = $"chain {_chainId.Value}: block {first.Number} was {first.Hash} when {_options.ConfirmationDepth} blocks buried it and is now {now}: a reorganisation deeper than the confirmation depth ({dropped.Length} processed blocks, {retractions.Length} intents retracted); intake and settlement of this chain stopped until an operator clears the watcher's checkpoint";
            ChainTelemetry.DeepReorgs.Add(1, _tags);
            LogDeepReorg(_logger, _chainId.Value, first.Number, first.Hash, now, _options.ConfirmationDepth, retractions.Length);
            FinalityBreach.Report(reason);
            rewound = rewound with { HaltedBecause = reason };
        }

        if (state.NextNonce is { } nextNonce)
        {
            // Deposits from the counter at the fork point on were in dropped blocks: their nonces are open again.
            var ledger = new NonceLedger(nextNonce, state.EmittedAbove);
            ledger.Forget(nextBlock == 0 ? 0 : await _recovery.ReadCounterAsync(nextBlock - 1, cancellationToken).ConfigureAwait(false));
            rewound = rewound with { NextNonce = ledger.Next, EmittedAbove = ledger.Above };
        }

        return (retractions, rewound);
    }

    /// <summary>
    /// Hands the sink the batch with the cursor the checkpoint stands at (the last reported block and its hash), then
    /// saves the checkpoint: only after the sink returned, so a crash in between repeats the batch, never skips it
    /// (the batch's report numbers are reserved in the checkpoint before the sink has it, so the repeat gets later ones).
    /// Each message gets its report sequence, retractions before observations (<see cref="IntentObserved.ReportSequence"/>):
    /// from the checkpoint's <see cref="WatcherCheckpoint.NextReport"/>, but never below the head's number times 2^20;
    /// a checkpoint without one (new, older, or deleted by an operator) starts at the next head's, after everything
    /// sent before (the head only grows, and no head sees a million reports).
    /// </summary>
    private async Task DeliverAsync(IChainEventSink sink, IReadOnlyList<IntentObserved> observed, IReadOnlyList<IntentRetracted> retracted, WatcherCheckpoint next, ulong head, CancellationToken cancellationToken)
    {
        var last = next.RecentBlocks.LastOrDefault(b => b.Number + 1 == next.NextBlock);
        var cursor = new ChainCursor(next.NextBlock == 0 ? 0 : next.NextBlock - 1, last?.Hash.ToString() ?? string.Empty);
        var first = (_nextReport ?? _state?.NextReport) is { } nextReport ? Math.Max(nextReport, head << ReportsPerHeadBits) : (head + 1) << ReportsPerHeadBits;
        var numberedRetractions = retracted.Select((r, i) => r with { ReportSequence = first + (ulong)i }).ToArray();
        var numberedObservations = observed.Select((o, i) => o with { ReportSequence = first + (ulong)(retracted.Count + i) }).ToArray();
        next = next with { NextReport = first + (ulong)(retracted.Count + observed.Count) };

        // Taken before the sink has them: if the checkpoint is not saved after it (a store fault), this process still
        // numbers its next reports after these; and reserved in the checkpoint as it stands (only the counter moves),
        // so that a crash between the sink and the save below, whose replay may differ (the chain reorganised
        // meanwhile), numbers the replay after them too instead of reusing their numbers.
        _nextReport = next.NextReport;
        if (numberedRetractions.Length + numberedObservations.Length > 0 && _state is { } current)
        {
            await _store.SaveAsync(current with { NextReport = next.NextReport }, cancellationToken).ConfigureAwait(false);
        }

        await sink.AcceptAsync(new ChainEventBatch(_chainId, numberedObservations, numberedRetractions, cursor), cancellationToken).ConfigureAwait(false);

        await _store.SaveAsync(next, cancellationToken).ConfigureAwait(false);
        _state = next;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Chain {ChainId}: intent {IntentId} observed in block {BlockNumber}")]
    private static partial void LogIntentObserved(ILogger logger, ulong chainId, Bytes32 intentId, ulong blockNumber);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Chain {ChainId}: reorg detected, rescanning from block {NextBlock}; {DroppedBlocks} processed blocks dropped, {Retracted} intents retracted")]
    private static partial void LogReorg(ILogger logger, ulong chainId, ulong nextBlock, int droppedBlocks, int retracted);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Chain {ChainId}: skipped an undecodable escrow log in block {BlockNumber}, transaction {TransactionHash}, log {LogIndex}: {Reason}")]
    private static partial void LogBadLog(ILogger logger, ulong chainId, ulong blockNumber, Bytes32 transactionHash, int logIndex, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Chain {ChainId}: node refused logs for blocks {FromBlock}-{ToBlock}; range reduced to {Range} ({Reason})")]
    private static partial void LogRangeReduced(ILogger logger, ulong chainId, ulong fromBlock, ulong toBlock, int range, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "Chain {ChainId}: watcher step failed; retrying after the poll interval")]
    private static partial void LogPollFailed(ILogger logger, ulong chainId, Exception exception);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Chain {ChainId}: reorg deeper than the kept block hashes; rescanning from block {FromBlock}, older dropped intents cannot be retracted")]
    private static partial void LogReorgBeyondWindow(ILogger logger, ulong chainId, ulong fromBlock);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Chain {ChainId}: node unreachable at start; retrying after the poll interval")]
    private static partial void LogNodeUnreachable(ILogger logger, ulong chainId, Exception exception);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "Chain {ChainId}: deposit nonce {Nonce} (intent {IntentId}, block {BlockNumber}) was missing from eth_getLogs; recovered from the escrow's state (counter {Counter} at block {AtBlock}, checked {When})")]
    private static partial void LogIntentRecovered(ILogger logger, ulong chainId, ulong nonce, Bytes32 intentId, ulong blockNumber, ulong counter, ulong atBlock, string when);

    [LoggerMessage(EventId = 2010, Level = LogLevel.Error, Message = "Chain {ChainId}: deposit nonce {Nonce} is missing (counter {Counter} at block {AtBlock}) and its recovery was refused; retrying at the next reconciliation: {Reason}")]
    private static partial void LogRecoveryRefused(ILogger logger, ulong chainId, ulong nonce, ulong counter, ulong atBlock, string reason);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "Chain {ChainId}: IntentOpened for nonce {Nonce} (intent {IntentId}, block {BlockNumber}) was already emitted; skipped")]
    private static partial void LogAlreadyEmitted(ILogger logger, ulong chainId, ulong nonce, Bytes32 intentId, ulong blockNumber);

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Chain {ChainId}: deposit counter unreadable at block {AtBlock} ({Reason}); reconciling at a later block")]
    private static partial void LogReconcileDeferred(ILogger logger, ulong chainId, ulong atBlock, string reason);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Chain {ChainId}: deposit counter unreadable at block {AtBlock} ({Reason}); expecting every deposit from nonce 0 (StartBlock should be the escrow's deployment block)")]
    private static partial void LogCounterUnavailableAtStart(ILogger logger, ulong chainId, ulong atBlock, string reason);

    [LoggerMessage(EventId = 2014, Level = LogLevel.Critical, Message = "Chain {ChainId}: REORGANISATION DEEPER THAN THE CONFIRMATION DEPTH: block {Height} was {OldHash} when {ConfirmationDepth} blocks buried it and is now {NewHash}; {Retracted} intents retracted; intake and settlement of this chain stopped until an operator clears the watcher's checkpoint")]
    private static partial void LogDeepReorg(ILogger logger, ulong chainId, ulong height, Bytes32 oldHash, string newHash, int confirmationDepth, int retracted);

    [LoggerMessage(EventId = 2015, Level = LogLevel.Critical, Message = "Chain {ChainId}: intake stopped after a reorganisation deeper than the confirmation depth (its checkpoint says: {Reason}); nothing more is read until an operator clears it")]
    private static partial void LogIntakeHalted(ILogger logger, ulong chainId, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Chain {ChainId}: blocks {FromBlock}-{ToBlock} changed during the query; asking again")]
    private static partial void LogRangeUnstable(ILogger logger, ulong chainId, ulong fromBlock, ulong toBlock);
}
