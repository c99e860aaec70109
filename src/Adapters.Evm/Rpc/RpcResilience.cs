using System.Net.Sockets;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>Retry settings for JSON-RPC calls.</summary>
public sealed record RpcResilienceSettings
{
    public int MaxRetryAttempts { get; init; } = 6;

    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Each attempt's timeout; a timed-out attempt is retried.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// The Polly pipeline around every JSON-RPC call: an attempt timeout inside an exponential retry with jitter.
/// Only transient faults are retried — never a revert or another JSON-RPC error, and never the caller's cancellation.
/// </summary>
public static class RpcResilience
{
    public static ResiliencePipeline Create(RpcResilienceSettings settings, TimeProvider timeProvider, Action<Exception, int>? onRetry = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (settings.MaxRetryAttempts == 0)
        {
            return builder.AddTimeout(settings.AttemptTimeout).Build();
        }

        return builder
            .AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = settings.MaxRetryAttempts,
                Delay = settings.BaseDelay,
                MaxDelay = settings.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome.Exception, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    EvmTelemetry.RpcRetries.Add(1);
                    if (args.Outcome.Exception is { } exception)
                    {
                        onRetry?.Invoke(exception, args.AttemptNumber);
                    }

                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(settings.AttemptTimeout)
            .Build();
    }

    /// <summary>Timeouts, refused or dropped connections, HTTP 429/5xx and rate-limit error codes.</summary>
    public static bool IsTransient(Exception? exception, CancellationToken callerToken) => exception switch
    {
        null => false,
        EvmRevertException => false,
        RpcTransportException transport => transport.IsTransient,
        JsonRpcException rpc => rpc.IsRateLimited,
        TimeoutRejectedException => true,
        HttpRequestException => true,
        SocketException => true,
        IOException => true,
        OperationCanceledException => !callerToken.IsCancellationRequested,
        _ => false,
    };
}
