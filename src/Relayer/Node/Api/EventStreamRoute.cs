using System.Globalization;
using System.Text;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// <c>GET /v1/events</c>: the integrator event log as Server-Sent Events (<c>id:</c> the log's sequence number,
/// <c>event:</c> the type, <c>data:</c> its JSON). <c>Last-Event-ID</c> (or <c>?from=</c>) replays every event after
/// it, then the stream goes live; without either it starts at the log's head. Each client reads the log at its own
/// pace, one page at a time, and waits on the log's append signal: a slow client only slows its own writes and the
/// node keeps nothing for it beyond the page being written.
/// </summary>
internal static class EventStreamRoute
{
    /// <summary>Events read from the store per round trip (and the most a client's stream holds in memory).</summary>
    public const int PageSize = 200;

    /// <summary>The event types a <c>type</c> filter may name.</summary>
    public static readonly IReadOnlySet<string> EventTypes = typeof(IIntegratorEvent).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(IIntegratorEvent).IsAssignableFrom(t))
        .Select(t => t.Name)
        .ToHashSet(StringComparer.Ordinal);

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/events", StreamAsync)
            .WithName("StreamEvents")
            .WithSummary("Integrator events as Server-Sent Events: Last-Event-ID or 'from' replays after that sequence number, then live; 'type' filters (comma-separated type names).")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    private static async Task<Results<EmptyHttpResult, ProblemHttpResult>> StreamAsync(
        HttpContext context, string? from, string? type, IEventLog events, ApiOptions options, TimeProvider time)
    {
        var cancellationToken = context.RequestAborted;
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        long cursor;
        if (lastEventId.Length > 0)
        {
            if (!TryCursor(lastEventId, out cursor))
            {
                return ApiParameters.BadParameter("Last-Event-ID", $"'{lastEventId}' is not an event sequence number (a non-negative integer).");
            }
        }
        else if (from is not null)
        {
            if (!TryCursor(from, out cursor))
            {
                return ApiParameters.BadParameter("from", $"'{from}' is not an event sequence number (a non-negative integer; 0 replays the whole log).");
            }
        }
        else
        {
            cursor = await events.HeadAsync(cancellationToken).ConfigureAwait(false);
        }

        if (lastEventId.Length > 0 || from is not null)
        {
            // A position past the newest event was never handed out by this log (a store replaced under the client):
            // answering it with silence would leave the client waiting for events it already missed.
            var head = await events.HeadAsync(cancellationToken).ConfigureAwait(false);
            if (cursor > head)
            {
                var name = lastEventId.Length > 0 ? "Last-Event-ID" : "from";
                return ApiParameters.BadParameter(name, string.Create(CultureInfo.InvariantCulture,
                    $"{cursor} is beyond the newest event of this node's log ({head}); start again with from=0 (the log may have been replaced)."));
            }
        }

        HashSet<string>? types = null;
        if (!string.IsNullOrWhiteSpace(type))
        {
            types = [.. type.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
            if (types.Count == 0)
            {
                return ApiParameters.BadParameter("type", $"'{type}' names no event type (comma-separated type names, e.g. IntentSettled,IntentRefunded).");
            }

            if (types.FirstOrDefault(t => !EventTypes.Contains(t)) is { } unknown)
            {
                return ApiParameters.BadParameter("type", $"'{unknown}' is not an event type (known: {string.Join(", ", EventTypes.Order(StringComparer.Ordinal))}).");
            }
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // a proxy in front must not hold events back
        await response.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PumpAsync(response, events, cursor, types, options.HeartbeatInterval, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: nothing to clean up, it resumes with Last-Event-ID.
        }

        return TypedResults.Empty;
    }

    private static async Task PumpAsync(
        HttpResponse response, IEventLog events, long cursor, HashSet<string>? types, TimeSpan heartbeat, TimeProvider time, CancellationToken cancellationToken)
    {
        var frame = new StringBuilder();
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await events.ReadAsync(cursor, PageSize, cancellationToken).ConfigureAwait(false);
            foreach (var logged in page)
            {
                cursor = logged.Sequence;
                if (types is null || types.Contains(logged.Type))
                {
                    frame.Clear()
                        .Append("id: ").Append(logged.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
                        .Append("event: ").Append(logged.Type).Append('\n')
                        .Append("data: ").Append(logged.Json).Append("\n\n");
                    await response.WriteAsync(frame.ToString(), cancellationToken).ConfigureAwait(false);
                }
            }

            if (page.Count > 0)
            {
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            if (page.Count == PageSize)
            {
                continue; // more to replay
            }

            using var quiet = new CancellationTokenSource(heartbeat, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, quiet.Token);
            try
            {
                await events.WaitForAsync(cursor, wait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await response.WriteAsync(": heartbeat\n\n", cancellationToken).ConfigureAwait(false);
                await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool TryCursor(string text, out long sequence) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
}
