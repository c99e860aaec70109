using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary><c>/v1/intents/{intentId}</c>: an intent as the node stores it.</summary>
internal static class IntentRoutes
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/intents/{intentId}", GetAsync)
            .WithName("GetIntent")
            .WithSummary("An intent: its parameters, where it stands (open, in an epoch, filled, refunded, retracted), its epoch and how often it was deferred.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<IntentView>, ProblemHttpResult>> GetAsync(string intentId, IIntentStore intents, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryIntentId(intentId, out var id, out var problem))
        {
            return problem!;
        }

        var stored = await intents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return stored is null
            ? ApiParameters.NotFound($"This node has not seen intent {id}.")
            : TypedResults.Ok(new IntentView(id, stored.Stage, stored.EpochId, stored.TimesDeferred, stored.Observed.Intent, stored.Observed.Position, stored.Observed.RecoveredBecause));
    }
}

/// <summary>
/// An intent: <see cref="State"/> open (also after a deferral), inEpoch (<see cref="EpochId"/> took it and is not
/// settled yet), filled or refunded (in <see cref="EpochId"/>), or retracted (reorganised out before any epoch).
/// </summary>
internal sealed record IntentView(
    Bytes32 IntentId, IntentStage State, ulong? EpochId, int TimesDeferred, Intent Intent, ChainPosition Position, string? RecoveredBecause);
