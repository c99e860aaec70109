namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The fence check every fenced Lua script starts with: KEYS[1] is the lease's fence counter, ARGV[1] the caller's
/// fence. A stale fence returns <see cref="StaleFence"/> before anything is written.
/// </summary>
internal static class Fencing
{
    public const long StaleFence = -1;

    public const string CheckScript = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end

        """;

    public static void ThrowIfStale(long scriptResult, LeaseToken fence, string write)
    {
        if (scriptResult == StaleFence)
        {
            throw new LeaseLostException(
                $"{write} refused: the lease fence {fence.Fence} of node '{fence.NodeId}' is no longer the newest (another replica took the lease).");
        }
    }
}
