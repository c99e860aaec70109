using System.Text.Json;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary><c>/v1/pools</c>: the margin engine's view of every pool after the newest margined epoch.</summary>
internal static class PoolRoutes
{
    // The epoch loop's margin blob (the PoolMargin list it published in MarginUpdated).
    private const string MarginBlob = "margin";

    // An epoch in flight has no margin yet; the newest margined one is at most a few below the current one.
    private const int EpochsSearched = 16;

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/pools", GetAsync)
            .WithName("GetPools")
            .WithSummary("Each pool's balance, obligations (deferred intents' minimum outputs), utilisation in basis points, next epoch's cap and whether it is below its floor, as of the newest margined epoch.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<PoolsView>, ProblemHttpResult>> GetAsync(IEpochStore epochs, CancellationToken cancellationToken) =>
        await NewestAsync(epochs, cancellationToken).ConfigureAwait(false) is { } newest
            ? TypedResults.Ok(new PoolsView(newest.EpochId, [.. newest.Pools.OrderBy(p => p.ChainId).ThenBy(p => p.Token)]))
            : ApiParameters.NotFound("No epoch has been margined on this node yet, so no pool figures exist.");

    /// <summary>The newest margined epoch and its pools, or null when no epoch has been margined yet.</summary>
    public static async Task<PoolsView?> NewestAsync(IEpochStore epochs, CancellationToken cancellationToken)
    {
        var current = await epochs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        for (var id = current?.EpochId ?? 0; id >= 1 && current!.EpochId - id < EpochsSearched; id--)
        {
            if (await epochs.GetBlobAsync(id, MarginBlob, cancellationToken).ConfigureAwait(false) is { } margin)
            {
                var pools = JsonSerializer.Deserialize<PoolMargin[]>(margin)
                    ?? throw new InvalidDataException($"Epoch {id}'s margin blob holds null.");
                return new PoolsView(id, pools);
            }
        }

        return null;
    }
}

/// <summary>The pools as the margin engine saw them after <see cref="EpochId"/> settled; caps apply to the next epoch.</summary>
internal sealed record PoolsView(ulong EpochId, IReadOnlyList<PoolMargin> Pools);
