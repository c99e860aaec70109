using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DiscreteExec.Relayer.Node.Api;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// <c>status --node URL</c>: a compact text view of a running node for an operator's terminal, read from its HTTP
/// API: liveness and readiness, the current epoch filling up, the last epochs, and the pools. A node that does not
/// answer exits with <see cref="ExitCodes.NodeUnreachable"/> and a message naming the URL.
/// </summary>
internal static class StatusCommand
{
    public const string Name = "status";

    private static readonly JsonSerializerOptions Json = CreateJsonOptions();

    public static Command Create()
    {
        var node = new Option<string>("--node")
        {
            Description = "The node's API, http://host:port.",
            DefaultValueFactory = _ => Node.Configuration.ApiOptions.DefaultUrls,
        };
        var epochs = new Option<int>("--epochs")
        {
            Description = "How many of the last epochs to list.",
            DefaultValueFactory = _ => 5,
        };
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = "How long to wait for each answer of the node.",
            DefaultValueFactory = _ => TimeSpan.FromSeconds(10),
        };
        node.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                result.AddError($"--node: '{text}' is not an http(s) URL (for example http://127.0.0.1:8080).");
            }
        });
        timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<TimeSpan>() is var wait && (wait <= TimeSpan.Zero || wait > TimeSpan.FromMinutes(10)))
            {
                result.AddError("--timeout must be more than 0 and at most 00:10:00 (for example 00:00:10).");
            }
        });
        epochs.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 100)
            {
                result.AddError("--epochs must be between 1 and 100.");
            }
        });
        var command = new Command(Name, "Show a running node's health, current epoch, last epochs and pools.") { node, epochs, timeout };
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            new Uri(parseResult.GetValue(node)!, UriKind.Absolute),
            parseResult.GetValue(epochs),
            parseResult.GetValue(timeout),
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(Uri node, int epochCount, TimeSpan timeout, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = node, Timeout = timeout };
        NodeSnapshot snapshot;
        try
        {
            snapshot = await NodeSnapshot.ReadAsync(http, epochCount, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            var reason = ex is TaskCanceledException ? $"no answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s" : ex.Message;
            await stderr.WriteLineAsync($"error: the node at {node} did not answer: {reason}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.NodeUnreachable;
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or NodeAnswerException)
        {
            await stderr.WriteLineAsync($"error: the node at {node} answered something that is not its API: {ex.Message}".AsMemory(), cancellationToken).ConfigureAwait(false);
            return ExitCodes.NodeUnreachable;
        }

        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        snapshot.WriteTo(text, node);
        await stdout.WriteAsync(text.ToString().AsMemory(), cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        NodeApi.Configure(options);
        return options;
    }

    /// <summary>What one status call read from the node.</summary>
    private sealed record NodeSnapshot(HealthView Health, ReadinessView Ready, StatusView Status, EpochPage Epochs, JsonElement? Pools)
    {
        public static async Task<NodeSnapshot> ReadAsync(HttpClient http, int epochCount, CancellationToken cancellationToken)
        {
            var health = await GetAsync<HealthView>(http, "/v1/health", cancellationToken).ConfigureAwait(false);
            var ready = await GetAsync<ReadinessView>(http, "/v1/ready", cancellationToken, HttpStatusCode.ServiceUnavailable).ConfigureAwait(false);
            var status = await GetAsync<StatusView>(http, "/v1/status", cancellationToken).ConfigureAwait(false);
            var epochs = await GetAsync<EpochPage>(http, string.Create(CultureInfo.InvariantCulture, $"/v1/epochs?limit={epochCount}"), cancellationToken).ConfigureAwait(false);
            using var pools = await http.GetAsync(new Uri("/v1/pools", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            JsonElement? poolsJson = pools.StatusCode == HttpStatusCode.NotFound
                ? null
                : await ReadAsync<JsonElement>(pools, "/v1/pools", cancellationToken).ConfigureAwait(false);
            return new NodeSnapshot(health, ready, status, epochs, poolsJson);
        }

        public void WriteTo(TextWriter text, Uri node)
        {
            var chains = string.Join(", ", Ready.Chains.Select(c => $"{c.Name} {(c.Answered ? "answered" : "not answered")}"));
            text.WriteLine($"node      {node}  {Health.Status}, {(Ready.Ready ? "ready" : "NOT READY")}");
            text.WriteLine($"store     {(Ready.Store.Reachable ? "reachable" : $"UNREACHABLE: {Ready.Store.Error}")}, event log head {Ready.Store.EventLogHead}");
            text.WriteLine($"chains    {(chains.Length == 0 ? "-" : chains)}");
            WriteCurrent(text);
            text.WriteLine();
            text.WriteLine("last epochs");
            WriteEpochs(text);
            text.WriteLine();
            text.WriteLine("pools");
            StatusPools.WriteTo(text, Pools);
        }

        private void WriteCurrent(TextWriter text)
        {
            if (Status.CurrentEpoch is not { } current)
            {
                text.WriteLine($"epoch     none yet; {Status.OpenIntents} intents open");
                return;
            }

            var age = Duration(Status.NodeTimeUnixMilliseconds - current.OpenedAtUnixMilliseconds);
            var limits = Status.Triggers is { } t ? $" (closes at {t.MaxIntentCount} intents or after {Duration(t.MaxDurationMilliseconds)})" : string.Empty;
            text.WriteLine($"epoch     {current.EpochId} {Stage(current.Stage)}, opened {age} ago; {Status.OpenIntents} intents open{limits}");
        }

        private void WriteEpochs(TextWriter text)
        {
            var table = new TextTable("EPOCH", "STAGE", "TRIGGER", "INTENTS", "FILLED", "REFUNDED", "DEFERRED", "CHUNKS", "SETTLED IN");
            foreach (var epoch in Epochs.Epochs)
            {
                var chunks = epoch.Chains.Sum(c => c.Chunks.Count);
                var applied = epoch.Chains.Sum(c => c.Applied);
                table.Add(
                    epoch.EpochId.ToString(CultureInfo.InvariantCulture),
                    Stage(epoch.Stage),
                    epoch.Trigger ?? "-",
                    epoch.Counts.Intents.ToString(CultureInfo.InvariantCulture),
                    epoch.Counts.Filled.ToString(CultureInfo.InvariantCulture),
                    epoch.Counts.Refunded.ToString(CultureInfo.InvariantCulture),
                    epoch.Counts.Deferred.ToString(CultureInfo.InvariantCulture),
                    chunks == 0 ? "-" : $"{applied}/{chunks}",
                    SettleLatency(epoch));
            }

            if (table.RowCount == 0)
            {
                text.WriteLine("  none yet");
                return;
            }

            table.WriteTo(text, "  ");
        }

        // From the close to the last chunk final: what a depositor waits once the epoch closed.
        private static string SettleLatency(EpochView epoch) =>
            epoch.StageTimes.TryGetValue("closed", out var closed) && epoch.StageTimes.TryGetValue("settled", out var settled)
                ? Duration(settled - closed)
                : "-";

        private static string Stage(Node.Store.EpochStage stage) => JsonNamingPolicy.CamelCase.ConvertName(stage.ToString());

        private static string Duration(long milliseconds) => milliseconds switch
        {
            < 0 => "0 ms",
            < 10_000 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds} ms"),
            < 600_000 => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 1000} s"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{milliseconds / 60_000} min"),
        };

        private static async Task<T> GetAsync<T>(HttpClient http, string path, CancellationToken cancellationToken, HttpStatusCode? alsoAccepted = null)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode && response.StatusCode != alsoAccepted)
            {
                throw new NodeAnswerException($"GET {path} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            return await ReadAsync<T>(response, path, cancellationToken).ConfigureAwait(false);
        }

        private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken)
        {
            if (!response.IsSuccessStatusCode && response.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                throw new NodeAnswerException($"GET {path} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            }

            return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
                ?? throw new NodeAnswerException($"GET {path} answered an empty body.");
        }
    }

    /// <summary>The node answered, but not what its API answers (a wrong URL, another service on that port).</summary>
    private sealed class NodeAnswerException(string message) : Exception(message);
}
