using System.Buffers.Text;
using System.Globalization;
using System.Text;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary><c>/v1/intents</c>: listings by depositor, recipient and state; one intent with its settlement; its proof.</summary>
internal static class IntentRoutes
{
    public const int DefaultPageSize = 20;

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/intents", ListAsync)
            .WithName("ListIntents")
            .WithSummary("Intents, newest first, filtered by depositor, recipient (0x and 64 hex digits, or an EVM address) and state; 'cursor' is the previous page's 'nextCursor'.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        v1.MapGet("/intents/{intentId}", GetAsync)
            .WithName("GetIntent")
            .WithSummary("An intent: its parameters, where it stands (open, in an epoch, filled, refunded, retracted), its epoch, how often it was deferred, and its actions on both chains with their chunks and transactions.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        v1.MapGet("/intents/{intentId}/proof", GetProofAsync)
            .WithName("GetIntentProof")
            .WithSummary("Each action of the intent: its leaf, the Merkle path to its leg hash and from the leg hash to the batch root, and the chunk and transaction that applied it.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<IntentListView>, ProblemHttpResult>> ListAsync(
        string? depositor, string? recipient, string? state, string? cursor, string? limit, ApiOptions options, HttpContext context, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryLimit(limit, Math.Min(DefaultPageSize, options.MaxPageSize), options.MaxPageSize, out var pageSize, out var problem)
            || !ApiParameters.TryOptionalAccount("depositor", depositor, out var depositorAccount, out problem)
            || !ApiParameters.TryOptionalAccount("recipient", recipient, out var recipientAccount, out problem)
            || !TryState(state, out var stage, out problem)
            || !TryCursor(cursor, out var before, out problem))
        {
            return problem!;
        }

        if (context.RequestServices.GetService<IIntentQueries>() is not { } queries)
        {
            return TypedResults.Problem(
                title: "Not available", detail: "This node's store keeps no intent indexes, so it cannot list intents.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var page = await queries.ListAsync(new IntentQuery(depositorAccount, recipientAccount, stage, before, pageSize), cancellationToken).ConfigureAwait(false);
        var nextCursor = page.NextBeforeArrival is { } arrival ? Cursor(arrival) : null;
        string? next = null;
        if (nextCursor is not null)
        {
            var query = new QueryString()
                .Add("cursor", nextCursor)
                .Add("limit", pageSize.ToString(CultureInfo.InvariantCulture));
            query = depositor is null ? query : query.Add("depositor", depositor);
            query = recipient is null ? query : query.Add("recipient", recipient);
            query = state is null ? query : query.Add("state", state);
            next = "/v1/intents" + query.ToUriComponent();
        }

        return TypedResults.Ok(new IntentListView([.. page.Intents.Select(i => IntentView.From(i, actions: null))], nextCursor, next));
    }

    private static async Task<Results<Ok<IntentView>, ProblemHttpResult>> GetAsync(
        string intentId, IIntentStore intents, IEpochStore epochs, HttpContext context, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryIntentId(intentId, out var id, out var problem))
        {
            return problem!;
        }

        var stored = await intents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return UnknownIntent(id);
        }

        var actions = await ActionsAsync(stored, epochs, context, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(IntentView.From(stored, actions?.Select(IntentActionView.From).ToArray() ?? []));
    }

    private static async Task<Results<Ok<IntentProofView>, ProblemHttpResult>> GetProofAsync(
        string intentId, IIntentStore intents, IEpochStore epochs, HttpContext context, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryIntentId(intentId, out var id, out var problem))
        {
            return problem!;
        }

        var stored = await intents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return UnknownIntent(id);
        }

        var actions = await ActionsAsync(stored, epochs, context, cancellationToken).ConfigureAwait(false);
        return actions is null or { Count: 0 }
            ? ApiParameters.NotFound($"Intent {id} is {Describe(stored)}: no batch settles it yet, so there is nothing to prove.")
            : TypedResults.Ok(new IntentProofView(id, stored.EpochId!.Value, actions[0].BatchRoot, actions));
    }

    /// <summary>The intent's actions in its epoch's batch; null while it is in no epoch or its epoch has no batch yet.</summary>
    private static Task<IReadOnlyList<ActionProof>?> ActionsAsync(StoredIntent stored, IEpochStore epochs, HttpContext context, CancellationToken cancellationToken) =>
        stored.EpochId is { } epochId
            ? IntentSettlement.LocateAsync(stored.Observed.Intent.IntentId, epochId, epochs, context.RequestServices.GetService<ChunkLimitsSource>(), cancellationToken)
            : Task.FromResult<IReadOnlyList<ActionProof>?>(null);

    /// <summary>The state in words: "open", "open, deferred 2 times", "in epoch 4", "filled in epoch 3".</summary>
    public static string Describe(StoredIntent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var deferred = intent.TimesDeferred switch
        {
            0 => string.Empty,
            1 => ", deferred once",
            var n => string.Create(CultureInfo.InvariantCulture, $", deferred {n} times"),
        };
        return intent.Stage switch
        {
            IntentStage.Open => "open" + deferred,
            IntentStage.InEpoch => string.Create(CultureInfo.InvariantCulture, $"in epoch {intent.EpochId}{deferred}"),
            IntentStage.Filled => string.Create(CultureInfo.InvariantCulture, $"filled in epoch {intent.EpochId}{deferred}"),
            IntentStage.Refunded => string.Create(CultureInfo.InvariantCulture, $"refunded in epoch {intent.EpochId}{deferred}"),
            _ => "retracted",
        };
    }

    private static ProblemHttpResult UnknownIntent(Bytes32 intentId) => ApiParameters.NotFound($"This node has not seen intent {intentId}.");

    private static bool TryState(string? text, out IntentStage? stage, out ProblemHttpResult? problem)
    {
        problem = null;
        stage = null;
        if (text is null)
        {
            return true;
        }

        // Enum.TryParse also takes "open,filled" (flags combined) and numbers: only one state's name is a state.
        if (!text.Contains(',', StringComparison.Ordinal) && Enum.TryParse<IntentStage>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(text[0]))
        {
            stage = parsed;
            return true;
        }

        problem = ApiParameters.BadParameter("state", $"'{text}' is not one of open, inEpoch, filled, refunded, retracted.");
        return false;
    }

    // The cursor is opaque to clients: base64url of "a" and the last arrival number read.
    private static string Cursor(long arrival) => Base64Url.EncodeToString(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"a{arrival}")));

    private static bool TryCursor(string? text, out long? beforeArrival, out ProblemHttpResult? problem)
    {
        problem = null;
        beforeArrival = null;
        if (text is null)
        {
            return true;
        }

        var bytes = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        if (TryDecodeBase64Url(text, bytes, out var written)
            && Encoding.ASCII.GetString(bytes, 0, written) is ['a', .. var digits]
            && long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var arrival))
        {
            beforeArrival = arrival;
            return true;
        }

        problem = ApiParameters.BadParameter("cursor", $"'{text}' is not a cursor this API handed out (pass a page's nextCursor unchanged).");
        return false;
    }

    // Base64Url.TryDecodeFromChars throws on characters outside the alphabet instead of answering false.
    private static bool TryDecodeBase64Url(string text, byte[] bytes, out int written)
    {
        try
        {
            return Base64Url.TryDecodeFromChars(text, bytes, out written);
        }
        catch (FormatException)
        {
            written = 0;
            return false;
        }
    }
}

/// <summary>
/// An intent: <see cref="State"/> open (also after a deferral), inEpoch (<see cref="EpochId"/> took it and is not
/// settled yet), filled or refunded (in <see cref="EpochId"/>), or retracted (reorganised out before any epoch);
/// <see cref="Status"/> says it in words. <see cref="Actions"/> are its actions on both chains (null in listings).
/// </summary>
internal sealed record IntentView(
    Bytes32 IntentId,
    IntentStage State,
    string Status,
    ulong? EpochId,
    int TimesDeferred,
    Intent Intent,
    ChainPosition Position,
    string? RecoveredBecause,
    IReadOnlyList<IntentActionView>? Actions)
{
    public static IntentView From(StoredIntent stored, IReadOnlyList<IntentActionView>? actions)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return new IntentView(
            stored.Observed.Intent.IntentId, stored.Stage, IntentRoutes.Describe(stored), stored.EpochId, stored.TimesDeferred,
            stored.Observed.Intent, stored.Observed.Position, stored.Observed.RecoveredBecause, actions);
    }
}

/// <summary>One action of an intent's settlement: the chain, what it does, its leaf, and the chunk and transaction that carry it.</summary>
internal sealed record IntentActionView(
    ChainId ChainId, ActionKind Kind, Bytes32 Account, UInt256 Amount, Bytes32 Leaf, uint? ChunkIndex, ChunkProgressStage? ChunkStage, string? TransactionId)
{
    public static IntentActionView From(ActionProof proof)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return new IntentActionView(proof.ChainId, proof.Kind, proof.Account, proof.Amount, proof.Leaf, proof.ChunkIndex, proof.ChunkStage, proof.TransactionId);
    }
}

/// <summary>A page of intents, newest first; <see cref="Next"/> is the following page's path, null at the end.</summary>
internal sealed record IntentListView(IReadOnlyList<IntentView> Intents, string? NextCursor, string? Next);

/// <summary>An intent's inclusion proof: every action of it in <see cref="EpochId"/>'s batch under <see cref="BatchRoot"/>.</summary>
internal sealed record IntentProofView(Bytes32 IntentId, ulong EpochId, Bytes32 BatchRoot, IReadOnlyList<ActionProof> Actions);
