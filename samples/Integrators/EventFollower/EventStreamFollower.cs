using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;

namespace DiscreteExec.Samples.EventFollower;

/// <summary>One Server-Sent Event of <c>GET /v1/events</c>: the log's sequence number, the event type, its JSON.</summary>
public sealed record StreamedEvent(long Sequence, string Type, string Data);

/// <summary>
/// Follows a node's <c>GET /v1/events</c> with a plain <see cref="HttpClient"/>. When the connection drops (or the node
/// restarts) it reconnects with <c>Last-Event-ID</c> set to the last event it handed out, so the node replays exactly
/// what came after it: no event is missed and none is repeated. The client must have an infinite
/// <see cref="HttpClient.Timeout"/> (a live stream never ends); cancel the token to stop.
/// </summary>
public sealed class EventStreamFollower(HttpClient http, Uri node, TimeProvider time)
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan LongestRetryDelay = TimeSpan.FromSeconds(5);

    /// <summary>The sequence number of the last event handed out (the next connection's <c>Last-Event-ID</c>).</summary>
    public long? LastEventId { get; private set; }

    /// <summary>How many times the stream was opened again after a dropped connection.</summary>
    public int Reconnects { get; private set; }

    /// <summary>The last reason a connection ended (null while none has).</summary>
    public Exception? LastFailure { get; private set; }

    /// <summary>
    /// Every event after sequence number <paramref name="after"/> (0: the whole log; null: from the log's head, only
    /// new events), then live, in order, each once.
    /// </summary>
    public async IAsyncEnumerable<StreamedEvent> FollowAsync(long? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        LastEventId = after;
        var delay = FirstRetryDelay;
        while (true)
        {
            await using (var connection = ConnectionAsync(cancellationToken).GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    StreamedEvent next;
                    try
                    {
                        if (!await connection.MoveNextAsync().ConfigureAwait(false))
                        {
                            LastFailure = new IOException("The node closed the event stream.");
                            break;
                        }

                        next = connection.Current;
                    }
                    catch (Exception failure) when (failure is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
                    {
                        LastFailure = failure;
                        break;
                    }

                    delay = FirstRetryDelay;
                    LastEventId = next.Sequence;
                    yield return next;
                }
            }

            Reconnects++;
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestRetryDelay.Ticks));
        }
    }

    private async IAsyncEnumerable<StreamedEvent> ConnectionAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "v1/events"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (LastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if ((int)response.StatusCode is >= 400 and < 500)
        {
            // The node refused the request itself (a bad Last-Event-ID): retrying the same request cannot help.
            throw new InvalidOperationException($"GET /v1/events: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET /v1/events: {(int)response.StatusCode}", null, response.StatusCode);
        }

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        long? id = null;
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                // A blank line ends an event; comments (heartbeats) leave nothing to hand out.
                if (id is { } sequence && data.Length > 0)
                {
                    yield return new StreamedEvent(sequence, type ?? "message", data.ToString());
                }

                (id, type) = (null, null);
                data.Clear();
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "id":
                    id = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed)
                        ? parsed
                        : throw new InvalidOperationException($"GET /v1/events: the event id '{value}' is not a sequence number.");
                    break;
                case "event":
                    type = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(value);
                    break;
            }
        }

        // The stream ended mid-event or cleanly: the caller reconnects after the last complete event.
    }
}
