using DiscreteExec.Core;
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
/// AlreadyApplied when the chain has it. Each chunk runs under a deadline, retries with jittered backoff and its
/// chain's circuit breaker; a chunk that keeps failing is recorded Abandoned with its error. A payout chunk whose
/// Release chunk is not applied is withheld (recorded Abandoned, nothing sent): nothing is paid without its Release.
/// </summary>
internal sealed partial class ChunkPipeline
{
    private readonly Dictionary<ChainId, (IChunkSubmitter Submitter, ResiliencePipeline Resilience)> _chains = [];
    private readonly ILogger _logger;

    public ChunkPipeline(IEnumerable<IChunkSubmitter> submitters, EpochLoopOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(submitters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        foreach (var submitter in submitters)
        {
            submitter.Limits.Validate(submitter.ChainId);
            if (!_chains.TryAdd(submitter.ChainId, (submitter, BuildResilience(options, time))))
            {
                throw new ArgumentException($"Two submitters for chain {submitter.ChainId}.", nameof(submitters));
            }
        }
    }

    /// <summary>The chunk limits of a chain, for the chunk planner.</summary>
    public ChunkLimits LimitsOf(ChainId chainId) =>
        _chains.TryGetValue(chainId, out var chain)
            ? chain.Submitter.Limits
            : throw new InvalidOperationException($"The batch has a leg for chain {chainId}, which has no submitter configured.");

    /// <summary>
    /// Runs the chunks not yet done; <paramref name="onDone"/> is called for every chunk applied now or before
    /// (again after a replay: its effects must be idempotent).
    /// </summary>
    public async Task RunAsync(
        IReadOnlyList<SettlementChunk> chunks, ChunkLedger ledger, Func<SettlementChunk, ChunkProgress, CancellationToken, Task> onDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(onDone);
        var perChain = chunks.GroupBy(c => c.ChainId).Select(g => RunChainAsync([.. g.OrderBy(c => c.Index)], ledger, onDone, cancellationToken));
        await Task.WhenAll(perChain).ConfigureAwait(false);
    }

    private async Task RunChainAsync(
        SettlementChunk[] chunks, ChunkLedger ledger, Func<SettlementChunk, ChunkProgress, CancellationToken, Task> onDone, CancellationToken cancellationToken)
    {
        foreach (var chunk in chunks)
        {
            var progress = ledger[chunk.Reference];
            if (progress.Stage == ChunkProgressStage.Abandoned)
            {
                continue;
            }

            if (!ChunkLedger.IsDone(progress))
            {
                if (chunk.AwaitsRelease is { } release && !ChunkLedger.IsDone(ledger[release]))
                {
                    LogWithheld(_logger, chunk.ChainId.Value, chunk.EpochId, chunk.Index, release.ChainId.Value, release.Index);
                    NodeTelemetry.ChunkFailures.Add(1, new("chain", chunk.ChainId.Value), new("reason", "withheld"));
                    await ledger.UpdateAsync(progress with { Stage = ChunkProgressStage.Abandoned, Error = $"withheld: Release chunk {release.Index} on chain {release.ChainId} is not applied" }, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                progress = await SubmitAsync(chunk, ledger, cancellationToken).ConfigureAwait(false);
                if (!ChunkLedger.IsDone(progress))
                {
                    continue;
                }
            }

            await onDone(chunk, progress, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ChunkProgress> SubmitAsync(SettlementChunk chunk, ChunkLedger ledger, CancellationToken cancellationToken)
    {
        var (submitter, resilience) = _chains[chunk.ChainId];
        try
        {
            var result = await resilience.ExecuteAsync(
                async token =>
                {
                    var before = ledger[chunk.Reference];
                    await ledger.UpdateAsync(before with { Stage = ChunkProgressStage.Sending, Attempts = before.Attempts + 1 }, token).ConfigureAwait(false);
                    return await submitter.SubmitAsync(chunk, token).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
            var stage = result.Outcome == ChunkSubmissionOutcome.Applied ? ChunkProgressStage.Applied : ChunkProgressStage.AlreadyApplied;
            var done = ledger[chunk.Reference] with { Stage = stage, TransactionId = result.TransactionId, Error = null };
            await ledger.UpdateAsync(done, cancellationToken).ConfigureAwait(false);
            LogChunk(_logger, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage, chunk.Actions.Count, result.Outcome, result.TransactionId);
            return done;
        }
        catch (Exception ex) when (ex is not LeaseLostException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // A chunk that cannot apply blocks nothing but what depends on it (its own payouts); the rest proceeds.
            LogAbandoned(_logger, ex, chunk.ChainId.Value, chunk.EpochId, chunk.Index, chunk.Stage);
            NodeTelemetry.ChunkFailures.Add(1, new("chain", chunk.ChainId.Value), new("reason", "abandoned"));
            var abandoned = ledger[chunk.Reference] with { Stage = ChunkProgressStage.Abandoned, Error = ex.Message };
            await ledger.UpdateAsync(abandoned, cancellationToken).ConfigureAwait(false);
            return abandoned;
        }
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

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} ({Stage}) abandoned; chunks that depend on it are withheld")]
    private static partial void LogAbandoned(ILogger logger, Exception exception, ulong chainId, ulong epochId, uint chunk, ChunkStage stage);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Chain {ChainId} epoch {EpochId} chunk {Chunk} withheld: its Release chunk {ReleaseChunk} on chain {ReleaseChainId} is not applied, so nothing is paid for those intents")]
    private static partial void LogWithheld(ILogger logger, ulong chainId, ulong epochId, uint chunk, ulong releaseChainId, uint releaseChunk);
}
