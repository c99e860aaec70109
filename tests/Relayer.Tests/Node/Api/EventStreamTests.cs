using System.Globalization;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Tests.Node.Api;

[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class EventStreamTests(ApiNodeFixture node)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Events_DisconnectMidStreamAndReconnectWithLastEventId_EveryEventExactlyOnceInOrderThenLive()
    {
        var logged = await node.Events.ReadAsync(0, 10_000, default);
        Assert.True(logged.Count > 10, "the epochs logged events");
        var received = new List<SseFrame>();

        await using (var first = await SseStream.OpenAsync(node.Client, "/v1/events?from=0", lastEventId: null))
        {
            for (var i = 0; i < logged.Count / 2; i++)
            {
                received.Add(await first.NextAsync().WaitAsync(Generous));
            }
        }

        // Reconnect where the first connection stopped: the rest of the log, then events appended while connected.
        await using (var second = await SseStream.OpenAsync(node.Client, "/v1/events?from=0", lastEventId: received[^1].Id))
        {
            while (received.Count < logged.Count)
            {
                received.Add(await second.NextAsync().WaitAsync(Generous));
            }

            var live = new[] { Closed(), Closed() };
            foreach (var integratorEvent in live)
            {
                await node.Events.AppendAsync(integratorEvent, default);
            }

            received.Add(await second.NextAsync().WaitAsync(Generous));
            received.Add(await second.NextAsync().WaitAsync(Generous));
            Assert.Equal(live.Select(e => e.EventId), received[^2..].Select(f => JsonDocument.Parse(f.Data).RootElement.GetProperty("EventId").GetString()));
        }

        var expected = await node.Events.ReadAsync(0, 10_000, default);
        Assert.Equal(expected.Select(e => e.Sequence.ToString(CultureInfo.InvariantCulture)), received.Select(f => f.Id));
        Assert.Equal(expected.Select(e => e.Type), received.Select(f => f.Event));
        Assert.Equal(expected.Select(e => e.Json), received.Select(f => f.Data));
    }

    [Fact]
    public async Task Events_TypeFilter_OnlyThatTypeWithItsSequenceNumbers()
    {
        var settled = (await node.Events.ReadAsync(0, 10_000, default)).Where(e => e.Type == nameof(IntentSettled)).ToArray();
        Assert.Equal(6, settled.Length);

        await using var stream = await SseStream.OpenAsync(node.Client, "/v1/events?from=0&type=IntentSettled", lastEventId: null);
        var received = new List<SseFrame>();
        foreach (var _ in settled)
        {
            received.Add(await stream.NextAsync().WaitAsync(Generous));
        }

        Assert.Equal(settled.Select(e => e.Sequence.ToString(CultureInfo.InvariantCulture)), received.Select(f => f.Id));
        Assert.All(received, f => Assert.Equal(nameof(IntentSettled), f.Event));
    }

    [Theory]
    [InlineData("/v1/events?from=-1", "from")]
    [InlineData("/v1/events?from=abc", "from")]
    [InlineData("/v1/events?type=IntentSettled,NoSuchEvent", "type")]
    [InlineData("/v1/events?type=,,,", "type")]
    [InlineData("/v1/events?from=9223372036854775807", "from")]
    public async Task Events_BadParameter_400NamingIt(string path, string parameter) => await node.AssertProblemAsync(path, 400, parameter);

    [Fact]
    public async Task Events_BadLastEventId_400NamingTheHeader()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/events");
        request.Headers.Add("Last-Event-ID", "x1");

        using var response = await node.Client.SendAsync(request);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("Last-Event-ID: ", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static EpochClosed Closed() => new($"test-live-{Guid.NewGuid():N}", 1_000, "test", 0, 0, default(Bytes32));
}
