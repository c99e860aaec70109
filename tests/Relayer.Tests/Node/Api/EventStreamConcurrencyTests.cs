using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>
/// <c>GET /v1/events</c> under load: a hundred clients follow the stream from sequence 0 while the real epoch loop
/// clears further epochs into the same store (the fixture's Garnet server under a key prefix of its own, so the
/// fixture's two epochs stay as the other API tests expect them).
/// </summary>
[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class EventStreamConcurrencyTests(ApiNodeFixture fixture)
{
    private const int FastClients = 99;

    /// <summary>
    /// Padding appended before the clients connect: 500 events of about 4 KB, 2 MB per stream. That is far more than
    /// Kestrel's response buffer (64 KB) plus what the slow client's 4 KB receive window and the loopback socket take,
    /// so the server's writer for the slow client is blocked on TCP while the others are served.
    /// </summary>
    private const int PaddingEvents = 500;

    private static readonly TimeSpan Generous = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Events_HundredClientsFromZeroWhileEpochsClear_EachGetsEveryEventOnceInOrderAndASlowClientHoldsNoOneBack()
    {
        await using var connection = fixture.Connect($"sse100-{Guid.NewGuid():N}:");
        var intents = new RedisIntentStore(connection);
        var epochs = new RedisEpochStore(connection);
        using var events = new RedisEventLog(connection);
        var world = new NodeWorld();
        var loop = world.NewLoop(intents, epochs, new RedisNodeLease(connection), new ApiNodeFixture.LogOnlyPublisher(events));
        await OpenIntentsAsync(world, intents);
        await world.RunUntilAsync(loop, epochs, 1, EpochStage.Margined);
        await events.AppendManyAsync([.. Enumerable.Range(0, PaddingEvents).Select(Padding)], default);

        await using var services = ApiNodeFixture.NodeServices(world, intents, epochs, events, fixture.Meters);
        var (app, client) = await ApiNodeFixture.StartApiAsync(services, new ApiOptions { Urls = "http://127.0.0.1:0", HeartbeatInterval = TimeSpan.FromSeconds(15) });
        using var slowClient = new HttpClient(new SocketsHttpHandler { ConnectCallback = SmallReceiveWindowConnectAsync }) { BaseAddress = client.BaseAddress };
        var streams = new List<SseStream>();
        try
        {
            for (var i = 0; i < FastClients; i++)
            {
                streams.Add(await SseStream.OpenAsync(client, "/v1/events?from=0", lastEventId: null));
            }

            // The slow client connects like the others, then reads nothing until all of them are done.
            var slow = await SseStream.OpenAsync(slowClient, "/v1/events?from=0", lastEventId: null);
            streams.Add(slow);
            var headWhenConnected = await events.HeadAsync(default);

            var endMarker = $"sse100-end-{Guid.NewGuid():N}";
            var fastReaders = streams.Take(FastClients).Select(stream => Task.Run(() => ReadUntilAsync(stream, endMarker))).ToArray();

            // Epochs 2 and 3 clear while the clients are connected; then the end marker closes the run.
            await OpenIntentsAsync(world, intents);
            await world.RunUntilAsync(loop, epochs, 2, EpochStage.Margined);
            await OpenIntentsAsync(world, intents);
            await world.RunUntilAsync(loop, epochs, 3, EpochStage.Margined);
            await events.AppendAsync(new EpochClosed(endMarker, 1_000, "test end marker", 0, 0, default(Bytes32)), default);

            var fastReceived = await Task.WhenAll(fastReaders).WaitAsync(Generous);
            var slowReceived = await ReadUntilAsync(slow, endMarker).WaitAsync(Generous);

            var expected = await ReadLogAsync(events);
            Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), expected.Select(e => e.Sequence)); // the log is gapless
            var clearedWhileConnected = expected
                .Where(e => e.Sequence > headWhenConnected && e.Type == nameof(EpochCleared))
                .Select(e => JsonDocument.Parse(e.Json).RootElement.GetProperty("EpochId").GetUInt64());
            Assert.Equal([2UL, 3UL], clearedWhileConnected);

            var expectedIds = expected.Select(e => e.Sequence.ToString(CultureInfo.InvariantCulture)).ToArray();
            var expectedTypes = expected.Select(e => e.Type).ToArray();
            var expectedData = expected.Select(e => e.Json).ToArray();
            foreach (var received in fastReceived.Append(slowReceived))
            {
                Assert.Equal(expectedIds, received.Select(f => f.Id));
                Assert.Equal(expectedTypes, received.Select(f => f.Event));
                Assert.Equal(expectedData, received.Select(f => f.Data));
            }
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }

            await ApiNodeFixture.StopApiAsync(app, client);
        }
    }

    private static async Task OpenIntentsAsync(NodeWorld world, IIntentStore intents)
    {
        for (var i = 0; i < 3; i++)
        {
            await world.OpenAsync(intents);
        }
    }

    private static EpochClosed Padding(int index) =>
        new($"sse100-padding-{index}", 1_000, new string('p', 4_000), 0, 0, default(Bytes32));

    /// <summary>Reads frames until the <see cref="EpochClosed"/> with <paramref name="endEventId"/>, inclusive.</summary>
    private static async Task<List<SseFrame>> ReadUntilAsync(SseStream stream, string endEventId)
    {
        var received = new List<SseFrame>();
        while (true)
        {
            var frame = await stream.NextAsync();
            received.Add(frame);
            if (frame.Event == nameof(EpochClosed) && JsonDocument.Parse(frame.Data).RootElement.GetProperty("EventId").GetString() == endEventId)
            {
                return received;
            }
        }
    }

    private static async Task<List<LoggedEvent>> ReadLogAsync(RedisEventLog events)
    {
        var all = new List<LoggedEvent>();
        for (var page = await events.ReadAsync(0, 500, default); page.Count > 0; page = await events.ReadAsync(page[^1].Sequence, 500, default))
        {
            all.AddRange(page);
        }

        return all;
    }

    /// <summary>A connection whose socket advertises a 4 KB receive window: the server can push little to a client that does not read.</summary>
    private static async ValueTask<Stream> SmallReceiveWindowConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4_096 };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
