using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The active-replica lease: <c>lease</c> holds the node id (SET NX PX), <c>lease:fence</c> the newest fencing token
/// (INCR at every acquisition). Fenced writes compare their token with <c>lease:fence</c>.
/// </summary>
internal sealed class RedisNodeLease(NodeStoreConnection connection) : INodeLease
{
    // KEYS: lease, fence counter. ARGV: node id, time to live (ms). Re-acquiring our own lease issues a new fence, so a
    // stale process of the same node id (a restart that overlapped the old one) is fenced off too. The fence is
    // incremented first: a script torn by a crash of the embedded server then leaves every older token stale.
    private const string AcquireScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder and holder ~= ARGV[1] then return -1 end
        local fence = redis.call('INCR', KEYS[2])
        if holder then redis.call('DEL', KEYS[1]) end
        if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
        return fence
        """;

    // KEYS: lease, fence counter. ARGV: node id, fence, time to live (ms; empty to release).
    private const string RenewOrReleaseScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] or redis.call('GET', KEYS[2]) ~= ARGV[2] then return 0 end
        if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        return 1
        """;

    private readonly StoreKeys _keys = connection.Keys;

    public async Task<LeaseToken?> TryAcquireAsync(string nodeId, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nodeId);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var fence = (long)await database.ScriptEvaluateAsync(
            AcquireScript,
            [_keys.Lease, _keys.LeaseFence],
            [nodeId, Milliseconds(timeToLive)]).ConfigureAwait(false);
        return fence > 0 ? new LeaseToken(nodeId, fence) : null;
    }

    public async Task<bool> RenewAsync(LeaseToken token, TimeSpan timeToLive, CancellationToken cancellationToken) =>
        await RenewOrReleaseAsync(token, Milliseconds(timeToLive), cancellationToken).ConfigureAwait(false);

    public async Task ReleaseAsync(LeaseToken token, CancellationToken cancellationToken) =>
        await RenewOrReleaseAsync(token, RedisValue.EmptyString, cancellationToken).ConfigureAwait(false);

    private async Task<bool> RenewOrReleaseAsync(LeaseToken token, RedisValue timeToLive, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var result = await database.ScriptEvaluateAsync(
            RenewOrReleaseScript,
            [_keys.Lease, _keys.LeaseFence],
            [token.NodeId, token.Fence, timeToLive]).ConfigureAwait(false);
        return (long)result == 1;
    }

    private static RedisValue Milliseconds(TimeSpan timeToLive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeToLive, TimeSpan.FromMilliseconds(1));
        return (long)timeToLive.TotalMilliseconds;
    }
}
