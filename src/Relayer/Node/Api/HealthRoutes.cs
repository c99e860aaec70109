using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>Liveness and readiness.</summary>
internal static class HealthRoutes
{
    /// <summary>How long readiness waits for the store before reporting it unreachable.</summary>
    public static readonly TimeSpan StoreProbeTimeout = TimeSpan.FromSeconds(5);

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/health", () => TypedResults.Ok(new HealthView("live")))
            .WithName("GetHealth").WithSummary("Liveness: the process answers.");
        v1.MapGet("/ready", ReadyAsync)
            .WithName("GetReady").WithSummary("Readiness: the store answers (503 otherwise); each chain's start-up check.");
    }

    private static async Task<Results<Ok<ReadinessView>, JsonHttpResult<ReadinessView>>> ReadyAsync(
        IEventLog events, TimeProvider time, IServiceProvider services, CancellationToken cancellationToken)
    {
        string? storeError = null;
        long head = 0;
        using (var timeout = new CancellationTokenSource(StoreProbeTimeout, time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
        {
            try
            {
                head = await events.HeadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                storeError = $"no answer within {StoreProbeTimeout.TotalSeconds:0} s";
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or InvalidOperationException)
            {
                storeError = ex.Message;
            }
        }

        var readiness = services.GetService(typeof(ChainReadiness)) as ChainReadiness;
        var chains = readiness?.Chains.Order(StringComparer.Ordinal).Select(c => new ChainReadinessView(c, readiness.IsReady(c))).ToArray() ?? [];
        var view = new ReadinessView(storeError is null, new StoreReadinessView(storeError is null, storeError, head), chains);
        return storeError is null ? TypedResults.Ok(view) : TypedResults.Json(view, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}

/// <summary>The answer of <c>/v1/health</c>.</summary>
internal sealed record HealthView(string Status);

/// <summary>The answer of <c>/v1/ready</c>: ready when the store answers.</summary>
internal sealed record ReadinessView(bool Ready, StoreReadinessView Store, IReadOnlyList<ChainReadinessView> Chains);

/// <summary>Whether the store answered, and the event log's head (its newest sequence number) when it did.</summary>
internal sealed record StoreReadinessView(bool Reachable, string? Error, long EventLogHead);

/// <summary>Whether the chain's RPC answered the node's start-up check.</summary>
internal sealed record ChainReadinessView(string Name, bool Answered);
