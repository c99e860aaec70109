using System.Globalization;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary><c>/v1/epochs</c>: the epoch records, newest first, and each epoch's stored files byte for byte.</summary>
internal static class EpochRoutes
{
    public const int DefaultPageSize = 20;

    /// <summary>The blobs served as files: route segment = blob name (docs: input is epoch.json, batch is batch.json).</summary>
    public static readonly IReadOnlyList<string> Files = ["input", "batch", "manifest"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/epochs", ListAsync)
            .WithName("ListEpochs")
            .WithSummary("Epoch records, newest first; 'before' (an epoch id, exclusive) and 'limit' page through them, 'next' is the following page.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        v1.MapGet("/epochs/{epochId}", GetAsync)
            .WithName("GetEpoch")
            .WithSummary("One epoch record: stage, trigger, counts, batch root, manifest hash, each chain's chunks and their transactions.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        foreach (var file in Files)
        {
            v1.MapGet($"/epochs/{{epochId}}/{file}", (string epochId, IEpochStore epochs, CancellationToken cancellationToken) => GetFileAsync(epochId, file, epochs, cancellationToken))
                .WithName($"GetEpoch{char.ToUpperInvariant(file[0])}{file[1..]}")
                .WithSummary(file switch
                {
                    "input" => "The epoch's clearing input (epoch.json) exactly as stored: 'relayer clear' turns it into the batch.",
                    "batch" => "The epoch's batch.json exactly as stored (legs, actions, prices, batch root).",
                    _ => "The epoch's manifest (canonical JSON; its keccak256 is the record's manifestHash).",
                })
                .Produces(StatusCodes.Status200OK, contentType: "application/json")
                .ProducesProblem(StatusCodes.Status400BadRequest)
                .ProducesProblem(StatusCodes.Status404NotFound);
        }
    }

    private static async Task<Results<Ok<EpochPage>, ProblemHttpResult>> ListAsync(
        string? before, string? limit, IEpochStore epochs, ApiOptions options, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryLimit(limit, Math.Min(DefaultPageSize, options.MaxPageSize), options.MaxPageSize, out var pageSize, out var problem))
        {
            return problem!;
        }

        ulong below = ulong.MaxValue;
        if (before is not null && !ApiParameters.TryEpochId("before", before, out below, out problem))
        {
            return problem!;
        }

        var current = await epochs.CurrentAsync(cancellationToken).ConfigureAwait(false);
        var page = new List<EpochView>(pageSize);
        if (current is not null)
        {
            // Epoch ids run 1, 2, 3... without gaps (the loop opens id + 1), so a page is a walk down from the cursor.
            for (var id = Math.Min(current.EpochId, below - 1); id >= 1 && page.Count < pageSize; id--)
            {
                if (await epochs.GetAsync(id, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    page.Add(EpochView.From(record));
                }
            }
        }

        ulong? nextBefore = page.Count == pageSize && page[^1].EpochId > 1 ? page[^1].EpochId : null;
        var next = nextBefore is { } cursor ? string.Create(CultureInfo.InvariantCulture, $"/v1/epochs?before={cursor}&limit={pageSize}") : null;
        return TypedResults.Ok(new EpochPage(page, nextBefore, next));
    }

    private static async Task<Results<Ok<EpochView>, ProblemHttpResult>> GetAsync(string epochId, IEpochStore epochs, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryEpochId("epochId", epochId, out var id, out var problem))
        {
            return problem!;
        }

        var record = await epochs.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return record is null ? UnknownEpoch(id) : TypedResults.Ok(EpochView.From(record));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetFileAsync(string epochId, string file, IEpochStore epochs, CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryEpochId("epochId", epochId, out var id, out var problem))
        {
            return problem!;
        }

        if (await epochs.GetBlobAsync(id, file, cancellationToken).ConfigureAwait(false) is { } bytes)
        {
            return TypedResults.File(bytes, "application/json");
        }

        var record = await epochs.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return record is null
            ? UnknownEpoch(id)
            : ApiParameters.NotFound($"Epoch {id} has no {file} yet (it is at stage {record.Stage}).");
    }

    private static ProblemHttpResult UnknownEpoch(ulong epochId) => ApiParameters.NotFound($"There is no epoch {epochId} on this node.");
}

/// <summary>A page of epochs, newest first; <see cref="Next"/> is the following page's path, null after the oldest.</summary>
internal sealed record EpochPage(IReadOnlyList<EpochView> Epochs, ulong? NextBefore, string? Next);
