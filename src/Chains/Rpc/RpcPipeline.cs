using System.Net.Sockets;
using System.Text.Json;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace DiscreteExec.Chains.Rpc;

/// <summary>
/// The one Polly pipeline around every JSON-RPC call of both adapters, built from a chain's <c>Rpc</c> options:
/// exponential retry with jitter (<c>MaxRetryAttempts</c>, <c>RetryBaseDelay</c>), then a circuit breaker for the
/// endpoint (<c>CircuitBreakAfter</c> failed calls in 30 s and none succeeded open it for <c>CircuitBreakDuration</c>), then each attempt's timeout (<c>AttemptTimeout</c>). Only transient faults are retried and counted by
/// the breaker: transport faults, timeouts, 408/429/5xx and the JSON-RPC errors the adapter names transient; never
/// another JSON-RPC error and never the caller's cancellation.
/// </summary>
public static partial class RpcPipeline
{
    /// <summary>The longest delay between two retries.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(10);

    /// <summary>The window in which <c>CircuitBreakAfter</c> failures, and no success, open the circuit.</summary>
    public static readonly TimeSpan CircuitSamplingDuration = TimeSpan.FromSeconds(30);

    /// <param name="options">The chain's <c>Rpc</c> section.</param>
    /// <param name="endpoint">The endpoint this pipeline (and its circuit breaker) serves: one pipeline per endpoint.</param>
    /// <param name="isTransientError">Which JSON-RPC error objects are worth retrying (a rate limit, a node behind): chain-specific codes.</param>
    /// <param name="timeProvider">The clock of the delays, the timeout and the breaker.</param>
    /// <param name="logger">Retries at Information, the circuit opening at Warning.</param>
    public static ResiliencePipeline Create(ChainRpcOptions options, RpcEndpoint endpoint, Func<JsonRpcException, bool> isTransientError, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(isTransientError);
        ArgumentNullException.ThrowIfNull(logger);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (options.MaxRetryAttempts > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = options.MaxRetryAttempts,
                Delay = options.RetryBaseDelay,
                MaxDelay = MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is BrokenCircuitException || IsTransient(args.Outcome.Exception, isTransientError, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    var method = args.Context.OperationKey ?? "?";
                    ChainTelemetry.RpcRetries.Add(1, ChainTelemetry.Tags(endpoint.Kind, endpoint.ChainId, method));
                    LogRetry(logger, endpoint.Kind, endpoint.ChainId.Value, method, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? string.Empty);
                    return ValueTask.CompletedTask;
                },
            });
        }

        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                // Opens only when every call in the window failed: a flaky endpoint keeps being retried, a dead one is left alone.
                FailureRatio = 1.0,
                MinimumThroughput = options.CircuitBreakAfter,
                SamplingDuration = CircuitSamplingDuration,
                BreakDuration = options.CircuitBreakDuration,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, isTransientError, args.Context.CancellationToken)),
                OnOpened = args =>
                {
                    LogCircuitOpened(logger, endpoint.Kind, endpoint.ChainId.Value, endpoint.Url, args.BreakDuration, args.Outcome.Exception?.Message ?? string.Empty);
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <summary>Whether a failed attempt is worth another: transport faults, timeouts, 408/429/5xx, and the JSON-RPC errors <paramref name="isTransientError"/> names.</summary>
    public static bool IsTransient(Exception? exception, Func<JsonRpcException, bool> isTransientError, CancellationToken callerToken)
    {
        ArgumentNullException.ThrowIfNull(isTransientError);
        return exception switch
        {
            null => false,
            RpcTransportException transport => transport.IsTransient,
            JsonRpcException rpc => isTransientError(rpc),
            TimeoutRejectedException or HttpRequestException or SocketException or IOException or JsonException => true,

            // HttpClient's own timeout surfaces as a cancellation the caller did not ask for.
            OperationCanceledException => !callerToken.IsCancellationRequested,
            _ => false,
        };
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "{ChainKind} chain {ChainId}: JSON-RPC {Method} attempt {Attempt} failed, retrying in {Delay}: {Reason}")]
    private static partial void LogRetry(ILogger logger, ChainKind chainKind, ulong chainId, string method, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "{ChainKind} chain {ChainId}: the circuit to {Url} opened for {BreakDuration} after repeated failures: {Reason}")]
    private static partial void LogCircuitOpened(ILogger logger, ChainKind chainKind, ulong chainId, Uri url, TimeSpan breakDuration, string reason);
}
