using System.Text.Json;
using DiscreteExec.Core.Messages;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The integrator event log: a sorted set scored by sequence number (<c>events:log</c>, member
/// <c>{eventId}\n{type}\n{json}</c>; its highest score is the head) and the id → sequence hash
/// (<c>events:ids</c>), appended by one Lua script that then PUBLISHes on <c>events:appended</c>. Not Redis Streams:
/// the embedded server has none, and one code path serves both.
/// </summary>
internal sealed class RedisEventLog : IEventLog, IDisposable
{
    // KEYS: id → sequence hash, log. ARGV: event id, member, channel. A known id changes nothing.
    // The embedded server replays a script's writes one by one, so a kill -9 inside a script can keep a prefix of them:
    // the log itself is the commit point. The sequence is the last score + 1 (no separate counter that could run ahead
    // of the log and leave a gap), the ZADD comes first, and an event whose hash entry was torn off is found by its
    // exact member (a re-published event serialises to the same bytes) and its hash entry repaired.
    private const string AppendScript = """
        local known = redis.call('HGET', KEYS[1], ARGV[1])
        if known then return tonumber(known) end
        local logged = redis.call('ZSCORE', KEYS[2], ARGV[2])
        if logged then
          redis.call('HSET', KEYS[1], ARGV[1], logged)
          return tonumber(logged)
        end
        local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
        local sequence = 1
        if last[2] then sequence = tonumber(last[2]) + 1 end
        redis.call('ZADD', KEYS[2], sequence, ARGV[2])
        redis.call('HSET', KEYS[1], ARGV[1], sequence)
        redis.call('PUBLISH', ARGV[3], sequence)
        return sequence
        """;

    private readonly NodeStoreConnection _connection;
    private readonly StoreKeys _keys;
    private readonly SemaphoreSlim _subscribeGate = new(1, 1);
    private TaskCompletionSource _appendedOrReconnected = NewSignal();
    private bool _subscribed;

    public RedisEventLog(NodeStoreConnection connection)
    {
        _connection = connection;
        _keys = connection.Keys;
        _connection.ConnectionRestored += OnConnectionRestored;
    }

    public async Task<long> AppendAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken)
    {
        var database = await _connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        return (long)await Append(database, integratorEvent).ConfigureAwait(false);
    }

    public async Task AppendManyAsync(IReadOnlyList<IIntegratorEvent> integratorEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvents);
        var database = await _connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        // One connection runs the pipelined scripts in the order sent, so the events get their sequence numbers in list order.
        var batch = database.CreateBatch();
        var appends = integratorEvents.Select(e => Append(batch, e)).ToArray();
        batch.Execute();
        await Task.WhenAll(appends).ConfigureAwait(false);
    }

    private Task<RedisResult> Append(IDatabaseAsync database, IIntegratorEvent integratorEvent)
    {
        ArgumentNullException.ThrowIfNull(integratorEvent);
        if (string.IsNullOrEmpty(integratorEvent.EventId) || integratorEvent.EventId.Contains('\n', StringComparison.Ordinal))
        {
            throw new ArgumentException($"An integrator event's id must be non-empty and on one line: '{integratorEvent.EventId}'.", nameof(integratorEvent));
        }

        var type = integratorEvent.GetType();
        // The serializer escapes control characters, so the JSON holds no raw newline and the member splits back exactly.
        var member = $"{integratorEvent.EventId}\n{type.Name}\n{JsonSerializer.Serialize(integratorEvent, type, StoreJson.Options)}";
        return database.ScriptEvaluateAsync(
            AppendScript,
            [_keys.EventSequences, _keys.EventLog],
            [integratorEvent.EventId, member, _keys.EventAppendedChannel]);
    }

    public async Task<IReadOnlyList<LoggedEvent>> ReadAsync(long afterSequence, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        var database = await _connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await database.SortedSetRangeByScoreWithScoresAsync(
            _keys.EventLog, afterSequence, double.PositiveInfinity, Exclude.Start, Order.Ascending, 0, max).ConfigureAwait(false);
        return [.. entries.Select(entry => Parse((long)entry.Score, entry.Element.ToString()))];
    }

    public async Task<long> HeadAsync(CancellationToken cancellationToken)
    {
        var database = await _connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var last = await database.SortedSetRangeByRankWithScoresAsync(_keys.EventLog, -1, -1).ConfigureAwait(false);
        return last.Length == 0 ? 0 : (long)last[0].Score;
    }

    public async Task WaitForAsync(long afterSequence, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Take the signal before reading the head: an append after the read completes this very signal.
            var signal = Volatile.Read(ref _appendedOrReconnected);
            try
            {
                await EnsureSubscribedAsync(cancellationToken).ConfigureAwait(false);
                if (await HeadAsync(cancellationToken).ConfigureAwait(false) > afterSequence)
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is RedisConnectionException or RedisTimeoutException)
            {
                // The server is away (also while subscribing): the reconnect raises the signal and both are tried again.
            }

            await signal.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _connection.ConnectionRestored -= OnConnectionRestored;
        _subscribeGate.Dispose();
    }

    private async Task EnsureSubscribedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _subscribed))
        {
            return;
        }

        await _subscribeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_subscribed)
            {
                var subscriber = await _connection.SubscriberAsync(cancellationToken).ConfigureAwait(false);
                // The multiplexer re-subscribes by itself after a reconnect.
                await subscriber.SubscribeAsync(RedisChannel.Literal(_keys.EventAppendedChannel), (_, _) => Wake()).ConfigureAwait(false);
                Volatile.Write(ref _subscribed, true);
            }
        }
        finally
        {
            _subscribeGate.Release();
        }
    }

    private void OnConnectionRestored(object? sender, EventArgs e) => Wake();

    private void Wake() => Interlocked.Exchange(ref _appendedOrReconnected, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static LoggedEvent Parse(long sequence, string member)
    {
        var parts = member.Split('\n', 3);
        if (parts.Length != 3)
        {
            throw new InvalidDataException($"Event log entry {sequence} is not '<id>\\n<type>\\n<json>'.");
        }

        return new LoggedEvent(sequence, parts[0], parts[1], parts[2]);
    }
}
