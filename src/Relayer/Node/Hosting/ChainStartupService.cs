using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Checks every chain's RPC when the node starts, each chain on its own: an unreachable or wrong RPC is logged and
/// retried with exponential backoff (jitter, capped at <see cref="MaxRetryDelay"/>, timed by the TimeProvider) until it
/// answers or the node stops, and never stops the node or holds back the other chains; a chain that answers is marked
/// in <see cref="ChainReadiness"/>. A chain that answers as something other than its configuration says
/// (<see cref="ChainMismatchException"/>: another chain id, an address that is not an escrow) is a configuration
/// error, not an outage: it is recorded in <see cref="ChainStartupFailures"/> and the node stops (exit code 2).
/// </summary>
internal sealed partial class ChainStartupService : BackgroundService
{
    public static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<ChainProbe> _probes;
    private readonly ChainReadiness _readiness;
    private readonly ChainStartupTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<ChainStartupService> _logger;
    private readonly ChainStartupFailures _failures;
    private readonly IHostApplicationLifetime _lifetime;

    public ChainStartupService(
        IEnumerable<ChainProbe> probes,
        ChainReadiness readiness,
        ChainStartupTelemetry telemetry,
        TimeProvider time,
        ILogger<ChainStartupService> logger,
        ChainStartupFailures failures,
        IHostApplicationLifetime lifetime)
    {
        _probes = [.. probes];
        _failures = failures;
        _lifetime = lifetime;
        _readiness = readiness;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_probes.Select(probe => ProbeUntilReadyAsync(probe, stoppingToken)));

    private async Task ProbeUntilReadyAsync(ChainProbe probe, CancellationToken stoppingToken)
    {
        var chain = probe.Chain;
        using var scope = _logger.BeginChainScope(chain);
        var tag = new KeyValuePair<string, object?>(ChainStartupTelemetry.ChainTag, chain.Name);
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not ChainMismatchException && (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstRetryDelay,
                MaxDelay = MaxRetryDelay,
                OnRetry = args =>
                {
                    _telemetry.RpcErrors.Add(1, tag);
                    LogUnreachable(_logger, chain.Name, chain.RpcUrl, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "no answer");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        try
        {
            await pipeline.ExecuteAsync(async token => await probe.ProbeAsync(token).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogGaveUp(_logger, chain.Name);
            return;
        }
        catch (ChainMismatchException ex)
        {
            LogMisconfigured(_logger, chain.Name, ex.Message);
            _failures.Add(ex.Message);
            _lifetime.StopApplication();
            return;
        }

        _readiness.MarkReady(chain.Name);
        _telemetry.ChainsReady.Add(1, tag);
        LogReady(_logger, chain.Name, chain.Options.ChainId, chain.RpcUrl);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Chain {Chain}: RPC {RpcUrl} unusable (attempt {Attempt}): {Error}; retrying in {RetryDelay}; the other chains are served meanwhile")]
    private static partial void LogUnreachable(ILogger logger, string chain, Uri rpcUrl, int attempt, TimeSpan retryDelay, string error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Chain {Chain}: RPC {RpcUrl} answers for chain id {ChainId}; ready")]
    private static partial void LogReady(ILogger logger, string chain, ulong chainId, Uri rpcUrl);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Critical, Message = "Chain {Chain}: not what the configuration says, the node stops: {Error}")]
    private static partial void LogMisconfigured(ILogger logger, string chain, string error);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Chain {Chain}: stopped before its RPC answered")]
    private static partial void LogGaveUp(ILogger logger, string chain);
}
