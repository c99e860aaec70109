using System.Diagnostics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>
/// Follows one IntentEscrow: eth_getLogs over block ranges that stay <c>ConfirmationDepth</c> blocks behind the head,
/// a range that halves while the node refuses it, recent block hashes to detect a reorg (each intent reported from
/// a dropped block is retracted, then the new blocks are scanned), and a checkpoint saved after every delivered batch.
/// </summary>
public sealed partial class EscrowWatcher
{
    private readonly IEvmRpc _rpc;
    private readonly EvmChainOptions _options;
    private readonly IWatcherCheckpointStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IntentOpenedDecoder _decoder;
    private readonly ChainId _chainId;
    private readonly EvmAddress _escrow;
    private readonly Bytes32[] _topics;
    private WatcherCheckpoint? _state;
    private int _range;
    private int _ceiling;

    public EscrowWatcher(IEvmRpc rpc, EvmChainOptions options, IWatcherCheckpointStore store, TimeProvider timeProvider, ILogger<EscrowWatcher> logger)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _chainId = options.Chain;
        _escrow = options.Escrow;
        _decoder = new IntentOpenedDecoder(_chainId, _escrow);
        _topics = [IntentOpenedDecoder.Topic0, .. EscrowEventDecoder.Topics];
        _range = options.MaxBlockRange;
        _ceiling = options.MaxBlockRange;
    }

    /// <summary>The current eth_getLogs range: halves when a node refuses a range, then grows back up to just below the refused size.</summary>
    public int CurrentRange => _range;

    /// <summary>
    /// Checks the node serves the configured chain and escrow (a mismatch throws), then polls until cancelled;
    /// a failing step is logged and retried after the poll interval, never ends the loop.
    /// </summary>
    public async Task RunAsync(IEscrowEventSink sink, CancellationToken cancellationToken)
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
                return;
            }
#pragma warning disable CA1031 // The loop outlives any one failure; the failure is logged with its cause.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogPollFailed(_logger, _chainId.Value, e);
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One step: detect a reorg, then scan one range if one is confirmed. True when more work is waiting.</summary>
    public async Task<bool> PollOnceAsync(IEscrowEventSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var activity = EvmTelemetry.ActivitySource.StartActivity("watcher poll");
        activity?.SetTag("chain.id", _chainId.Value);
        var state = _state ??= await _store.LoadAsync(cancellationToken).ConfigureAwait(false)
            ?? new WatcherCheckpoint((ulong)_options.StartBlock, []);

        var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        if (await DetectReorgAsync(state, cancellationToken).ConfigureAwait(false) is var (retracted, rewound))
        {
            // The rewound state becomes current only once the sink has the retractions: if it throws, the next
            // step detects the same reorg again instead of forgetting it.
            await DeliverAsync(sink, new EscrowWatchBatch(rewound.NextBlock, rewound.NextBlock, [], retracted, []), rewound, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (head < (ulong)_options.ConfirmationDepth)
        {
            return false;
        }

        var safe = head - (ulong)_options.ConfirmationDepth;
        if (state.NextBlock > safe)
        {
            return false;
        }

        var from = state.NextBlock;
        var to = Math.Min(safe, from + (ulong)_range - 1);
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

        var (batch, blocks) = Decode(from, to, before, logs);
        var recent = state.RecentBlocks.Concat(blocks)
            .Where(b => b.Number + (ulong)_options.ReorgWindow > to)
            .ToArray();
        await DeliverAsync(sink, batch, new WatcherCheckpoint(to + 1, recent), cancellationToken).ConfigureAwait(false);
        _range = (int)Math.Min(_ceiling, (long)_range * 2);
        return to < safe;
    }

    private (EscrowWatchBatch Batch, List<ProcessedBlock> Blocks) Decode(ulong from, ulong to, BlockHeader toHeader, IReadOnlyList<EvmLog> logs)
    {
        var observed = new List<IntentObserved>();
        var events = new List<EscrowEvent>();
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
                    observed.Add(new IntentObserved { Intent = intent, Position = position });
                    entry.Ids.Add(intent.IntentId);
                    LogIntentObserved(_logger, _chainId.Value, intent.IntentId, log.BlockNumber);
                }
                else if (EscrowEventDecoder.TryDecode(log, position) is { } escrowEvent)
                {
                    events.Add(escrowEvent);
                }
            }
            catch (Exception e) when (e is EscrowLogException or AbiDecodingException)
            {
                EvmTelemetry.LogsSkipped.Add(1);
                LogBadLog(_logger, _chainId.Value, log.BlockNumber, log.TransactionHash, log.LogIndex, e.Message);
            }
        }

        intentsByBlock.TryAdd(to, (toHeader.Hash, []));
        var blocks = intentsByBlock.Select(p => new ProcessedBlock(p.Key, p.Value.Hash, p.Value.Ids)).ToList();
        EvmTelemetry.IntentsObserved.Add(observed.Count);
        return (new EscrowWatchBatch(from, to, observed, [], events), blocks);
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
            }))
            .ToArray();
        EvmTelemetry.Reorgs.Add(1);
        EvmTelemetry.IntentsRetracted.Add(retractions.Length);
        LogReorg(_logger, _chainId.Value, nextBlock, dropped.Length, retractions.Length);
        return (retractions, new WatcherCheckpoint(nextBlock, recent.Take(kept + 1).ToArray()));
    }

    private async Task DeliverAsync(IEscrowEventSink sink, EscrowWatchBatch batch, WatcherCheckpoint next, CancellationToken cancellationToken)
    {
        if (batch.Observed.Count > 0 || batch.Retracted.Count > 0 || batch.Events.Count > 0)
        {
            await sink.HandleAsync(batch, cancellationToken).ConfigureAwait(false);
        }

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

    [LoggerMessage(EventId = 2007, Level = LogLevel.Debug, Message = "Chain {ChainId}: blocks {FromBlock}-{ToBlock} changed during the query; asking again")]
    private static partial void LogRangeUnstable(ILogger logger, ulong chainId, ulong fromBlock, ulong toBlock);
}
