using System.Collections.Concurrent;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace DiscreteExec.Relayer.Node.Settlement;

/// <summary>
/// Submits one settlement stage's chunks (all Release chunks, or all transfer chunks) of an epoch: chains side
/// by side, each chain's chunks in index order. Before every attempt the chunk is recorded Sending, after it
/// Applied or AlreadyApplied with the transaction; a replay after a crash asks the submitter again, which reports
/// AlreadyApplied when the chain has it. Each round of attempts runs under a deadline, retries with jittered backoff
/// and its chain's circuit breaker. After a failed round the chain's escrow is read: a chunk whose effect
/// is there (the reply was lost) is recorded AlreadyApplied. No chunk is ever abandoned: a Release may be mined and
/// not final yet (abandoning it would return its intents to the book while its deposits are released), and a transfer
/// is owed (its Release is final, or it is a refund). After a failed round a chunk waits (capped exponential backoff
/// with jitter, on the node's clock), reported at every round, and the stage does not complete until it applies.
/// </summary>
internal sealed partial class ChunkPipeline
{
    private readonly Dictionary<ChainId, (IChunkSubmitter Submitter, IEscrowState Escrow, ResiliencePipeline Resilience)> _chains = [];
    private readonly ConcurrentDictionary<(ulong EpochId, ChunkReference Chunk), (int Rounds, DateTimeOffset NotBefore)> _waiting = new();
    private readonly ConcurrentDictionary<(ulong EpochId, ChunkReference Chunk), bool> _reported = new();
    private readonly EpochLoopOptions _options;
    private readonly TimeProvider _time;
    private readonly ChainWaitClock _chainWait;
    private readonly ILogger _logger;
    private readonly ICrashPoints _crashPoints;

    public ChunkPipeline(IEnumerable<NodeChain> chains, EpochLoopOptions options, TimeProvider time, ChainWaitClock chainWait, ILogger logger, ICrashPoints? crashPoints = null)
    {
        ArgumentNullException.ThrowIfNull(chains);
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _chainWait = chainWait ?? throw new ArgumentNullException(nameof(chainWait));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _crashPoints = crashPoints ?? NoCrashPoints.Instance;
        foreach (var chain in chains)
        {
            chain.Submitter.Limits.Validate(chain.ChainId);
            if (!_chains.TryAdd(chain.ChainId, (chain.Submitter, chain.Escrow, BuildResilience(options, time))))
            {
                throw new ArgumentException($"Two submitters for chain {chain.ChainId}.", nameof(chains));
            }
        }
    }

    /// <summary>The chunk limits of a chain, for the chunk planner.</summary>
    public ChunkLimits LimitsOf(ChainId chainId) =>
        _chains.TryGetValue(chainId, out var chain)
            ? chain.Submitter.Limits
            : throw new InvalidOperationException($"The batch has a leg for chain {chainId}, which has no submitter configured.");

    /// <summary>
    /// Runs the chunks not yet done; <paramref name="onDone"/> is called once per chunk and process: when it
    /// becomes done, or, done before this process started, at its first run (again after a restart: its effects must
    /// be idempotent). False when a chunk is not applied yet (it waits for its next round: call again later); true
    /// when every chunk is applied.
    /// </summary>
    public async Task<bool> RunAsync(
        IReadOnlyList<SettlementChunk> chunks, ChunkLedger ledger, Func<SettlementChunk, ChunkProgress, CancellationToken, Task> onDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(onDone);
        if (chunks.Count > 0)
        {
            // Epochs settle in order: what was reported for an earlier epoch is never asked again.
            foreach (var key in _reported.Keys.Where(k => k.EpochId < chunks[0].EpochId))
            {
                _reported.TryRemove(key, out _);
            }
        }

        var perChain = chunks.GroupBy(c => c.ChainId).Select(async g => (ChainId: g.Key, Waiting: await RunChainAsync([.. g.OrderBy(c => c.Index)], ledger, onDone, cancellationToken).ConfigureAwait(false)));
        var waiting = await Task.WhenAll(perChain).ConfigureAwait(false);
        foreach (var (chainId, count) in waiting)
        {
            NodeTelemetry.StuckChunks.Record(count, new("node", _options.NodeId), new("chain", chainId.Value));
        }

        return waiting.All(w => w.Waiting == 0);
    }

    // Returns how many of the chain's chunks are owed and not applied yet.
    private async Task<int> RunChainAsync(
        SettlementChunk[] chunks, ChunkLedger ledger, Func<SettlementChunk, ChunkProgress, CancellationToken, Task> onDone, CancellationToken cancellationToken)
    {
        var waiting = 0;
        foreach (var chunk in chunks)
        {
            var progress = ledger[chunk.Reference];
            if (!ChunkLedger.IsDone(progress))
            {
                if (chunk.AwaitsRelease is { } release && !ChunkLedger.IsDone(ledger[release]))
                {
                    waiting++; // its Release is not final yet: it waits
                    continue;
                }

                if (_waiting.TryGetValue((chunk.EpochId, chunk.Reference), out var wait) && wait.NotBefore > _time.GetUtcNow())
                {
                    waiting++;
                    continue;
                }

                progress = await SubmitAsync(chunk, ledger, cancellationToken).ConfigureAwait(false);
                if (!ChunkLedger.IsDone(progress))
                {
                    waiting++;
                    continue;
                }
            }

            if (!_reported.ContainsKey((chunk.EpochId, chunk.Reference)))
            {
                await onDone(chunk, progress, cancellationToken).ConfigureAwait(false);
                _reported[(chunk.EpochId, chunk.Reference)] = true; // after it succeeded: a failed publish is tried again
            }
        }

        return waiting;
    }

    private async Task<ChunkProgress> SubmitAsync(SettlementChunk chunk, ChunkLedger ledger, CancellationToken cancellationToken)
    {
        var (submitter, _, resilience) = _chains[chunk.ChainId];
        try
        {
            var result = await _chainWait.WaitAsync(() => resilience.ExecuteAsync(
                async token =>
                {
                    var before = ledger[chunk.Reference];
                    var sending = before with
                    {
                        Stage = ChunkProgressStage.Sending,
                        Attempts = before.Attempts + 1,
                        FirstSentAtUnixMilliseconds = before.FirstSentAtUnixMilliseconds ?? _time.GetUtcNow().ToUnixTimeMilliseconds(),
                    };
                    await ledger.UpdateAsync(sending, token).ConfigureAwait(false);
                    return await submitter.SubmitAsync(chunk, token).ConfigureAwait(false);
                },
                cancellationToken).AsTask()).ConfigureAwait(false);
            if (result.Outcome == ChunkSubmissionOutcome.Applied)
            {
                _crashPoints.Reached(CrashPoint.ChunkSentUnrecorded, chunk.EpochId);
            }

            return await RecordDoneAsync(chunk, ledger, result.Outcome, result.TransactionId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not LeaseLostException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // The reply may have been lost after the chunk applied: the chain says whether its effect is there.
            var onChain = await ReadOnChainAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (onChain == OnChain.Applied)
            {
                return await RecordDoneAsync(chunk, ledger, ChunkSubmissionOutcome.AlreadyApplied, ledger[chunk.Reference].TransactionId, cancellationToken).ConfigureAwait(false);
            }

            // No chunk is ever given up: a Release mined but not final yet must not return its intents to the book,
            // and a transfer is owed. It waits for another round until the chain reports it applied.
            var reason = onChain == OnChain.Unreadable ? "its intents' state on the chain cannot be read"
                : chunk.Stage == ChunkStage.Release ? "not applied or not final yet: a Release is never abandoned"
                : "owed: never abandoned";
            return await WaitForNextRoundAsync(chunk, ledger, ex, reason, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ChunkProgress> RecordDoneAsync(SettlementChunk chunk, ChunkLedger ledger, ChunkSubmissionOutcome outcome, string? transactionId, CancellationToken cancellationToken)
    {
        var stage = outcome == ChunkSubmissionOutcome.Applied ? ChunkProgressStage.Applied : ChunkProgressStage.AlreadyApplied;
        var done = ledger[chunk.Reference] with { Stage = stage, TransactionId = transactionId, Error = null };
        await ledger.UpdateAsync(done, cancellationToken).ConfigureAwait(false);
        if (!ledger.AllDone)
        {
            _crashPoints.Reached(CrashPoint.BetweenChunks, chunk.EpochId);
        }

        _waiting.TryRemove((chunk.EpochId, chunk.Reference), out _);
        LogChunk(_logger, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage, chunk.Actions.Count, outcome, transactionId);
        return done;
    }

    private enum OnChain
    {
        Applied,
        NotApplied,
        Unreadable,
    }

    // Whether every action of the chunk shows on its chain: Releases released, Refunds refunded, Payouts paid.
    private async Task<OnChain> ReadOnChainAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        var escrow = _chains[chunk.ChainId].Escrow;
        try
        {
            foreach (var action in chunk.Actions)
            {
                var there = await _chainWait.WaitAsync(async () => action.Kind switch
                {
                    ActionKind.Release => await escrow.IntentStateAsync(action.IntentId, cancellationToken).ConfigureAwait(false) == EscrowIntentState.Released,
                    ActionKind.Refund => await escrow.IntentStateAsync(action.IntentId, cancellationToken).ConfigureAwait(false) == EscrowIntentState.Refunded,
                    ActionKind.Payout => await escrow.IsPaidAsync(action.IntentId, cancellationToken).ConfigureAwait(false),
                    _ => false, // a withdraw leaves no per-action mark to read
                }).ConfigureAwait(false);
                if (!there)
                {
                    return OnChain.NotApplied;
                }
            }

            return OnChain.Applied;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStateUnreadable(_logger, ex, chunk.ChainId.Value, chunk.EpochId, chunk.Index);
            return OnChain.Unreadable;
        }
    }

    // No chunk is given up (a Release may be mined and not final yet; a transfer is owed): it is tried again,
    // reported at every failed round, until it applies.
    private async Task<ChunkProgress> WaitForNextRoundAsync(SettlementChunk chunk, ChunkLedger ledger, Exception error, string reason, CancellationToken cancellationToken)
    {
        var key = (chunk.EpochId, chunk.Reference);
        var rounds = (_waiting.TryGetValue(key, out var wait) ? wait.Rounds : 0) + 1;
        var delay = NextRoundDelay(rounds);
        _waiting[key] = (rounds, _time.GetUtcNow() + delay);
        var previous = ledger[chunk.Reference].Error;
        var failed = ledger[chunk.Reference] with { Error = error is BrokenCircuitException && previous is not null ? previous : $"round {rounds} failed: {error.Message}" };
        await ledger.UpdateAsync(failed, cancellationToken).ConfigureAwait(false);
        LogChunkStuck(_logger, error, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage, failed.Attempts, rounds, reason, delay);
        NodeTelemetry.ChunkFailures.Add(1, new("chain", chunk.ChainId.Value), new("reason", "retrying"));
        return failed;
    }

    // Capped exponential backoff with jitter: the nominal delay doubles per round up to the cap, and the wait is
    // drawn between half of it and all of it, so nodes and chains retrying together drift apart.
    private TimeSpan NextRoundDelay(int rounds)
    {
        var cap = _options.OwedChunkRetryMaxDelay.Ticks;
        var nominal = _options.OwedChunkRetryDelay.Ticks;
        for (var round = 1; round < rounds && nominal < cap; round++)
        {
            nominal = Math.Min(cap, nominal * 2);
        }

        var half = Math.Min(cap, nominal) / 2;
        return TimeSpan.FromTicks(half + Random.Shared.NextInt64(half + 1));
    }

    // Deadline outermost (the whole chunk, retries included), then retries, then the chain's breaker (shared by
    // every chunk of the chain, since one pipeline per chain lives as long as the loop).
    private static ResiliencePipeline BuildResilience(EpochLoopOptions options, TimeProvider time)
    {
        static bool Retryable(Exception ex) => ex is not (OperationCanceledException or LeaseLostException or BrokenCircuitException);
        var builder = new ResiliencePipelineBuilder { TimeProvider = time }.AddTimeout(new TimeoutStrategyOptions { Timeout = options.ChunkDeadline });
        if (options.ChunkRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.ChunkRetries,
                Delay = options.ChunkRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(Retryable),
            });
        }

        return builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            FailureRatio = 0.5,
            MinimumThroughput = options.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromMinutes(1),
            BreakDuration = options.BreakerBreakDuration,
            ShouldHandle = new PredicateBuilder().Handle<Exception>(Retryable),
        }).Build();
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} ({Stage}, {ActionCount} actions): {Outcome} {TransactionId}")]
    private static partial void LogChunk(ILogger logger, ulong chainId, ulong epochId, uint chunk, ChunkStage stage, int actionCount, ChunkSubmissionOutcome outcome, string? transactionId);

    [LoggerMessage(EventId = 23, Level = LogLevel.Error, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} ({Stage}) is still not applied after {Attempts} attempts in {Rounds} rounds ({Reason}); tried again in {Delay}, the epoch waits for it")]
    private static partial void LogChunkStuck(ILogger logger, Exception exception, ulong chainId, ulong epochId, uint chunk, ChunkStage stage, int attempts, int rounds, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk}: the escrow's state cannot be read, so the chunk is not given up")]
    private static partial void LogStateUnreadable(ILogger logger, Exception exception, ulong chainId, ulong epochId, uint chunk);
}
