using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// <c>GET /v1/status</c>: the open epoch filling up (the newest epoch record, how many intents wait for it, the triggers
/// that close it) on the node's own clock; what the dashboard and <c>relayer status</c> show first.
/// </summary>
internal static class StatusRoute
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/status", GetAsync)
            .WithName("GetStatus")
            .WithSummary("The current epoch (the newest record), the intents open and waiting for it, its closing triggers, and the node's clock.");
    }

    private static async Task<Ok<StatusView>> GetAsync(IEpochStore epochs, IIntentStore intents, TimeProvider time, IServiceProvider services, CancellationToken cancellationToken)
    {
        var current = await epochs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var open = await intents.OpenCountAsync(cancellationToken).ConfigureAwait(false);
        var triggers = (services.GetService(typeof(EpochLoopOptions)) as EpochLoopOptions)?.Triggers;
        return TypedResults.Ok(new StatusView(
            time.GetUtcNow().ToUnixTimeMilliseconds(),
            current is null ? null : EpochView.From(current),
            open,
            triggers is null ? null : new EpochTriggersView((long)triggers.MaxDuration.TotalMilliseconds, triggers.MaxIntentCount)));
    }
}

/// <summary>
/// The answer of <c>/v1/status</c>: <see cref="CurrentEpoch"/> is null on a fresh node; <see cref="OpenIntents"/> wait
/// for the next close; <see cref="Triggers"/> is null when the API runs without the epoch loop's options.
/// </summary>
internal sealed record StatusView(long NodeTimeUnixMilliseconds, EpochView? CurrentEpoch, long OpenIntents, EpochTriggersView? Triggers);

/// <summary>An epoch closes at the latest after <see cref="MaxDurationMilliseconds"/> or at <see cref="MaxIntentCount"/> intents (other triggers may close it earlier).</summary>
internal sealed record EpochTriggersView(long MaxDurationMilliseconds, int MaxIntentCount);
