using DiscreteExec.Chains.Rpc;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>
/// Looks for logs in [floor, to] one window of at most <c>maxBlockRange</c> blocks at a time, the newest window first
/// (what the callers look for is usually recent), halving a window the node refuses as too large: providers cap
/// eth_getLogs ranges whatever the filter.
/// </summary>
internal static class NewestFirstLogSearch
{
    /// <summary>The logs of the newest window that holds any log <paramref name="matches"/> accepts; empty when none does.</summary>
    public static async Task<IReadOnlyList<EvmLog>> FindAsync(
        IEvmRpc rpc, Func<ulong, ulong, LogFilter> filter, Func<EvmLog, bool> matches, ulong floor, ulong to, int maxBlockRange, CancellationToken cancellationToken)
    {
        if (to < floor)
        {
            return [];
        }

        var window = (ulong)Math.Max(1, maxBlockRange);
        while (true)
        {
            var from = to - floor + 1 > window ? to - window + 1 : floor;
            IReadOnlyList<EvmLog> logs;
            try
            {
                logs = await rpc.GetLogsAsync(filter(from, to), cancellationToken).ConfigureAwait(false);
            }
            catch (JsonRpcException e) when (e.IsRangeTooLarge && window > 1)
            {
                window = Math.Max(1, window / 2);
                continue;
            }

            var found = logs.Where(matches).ToArray();
            if (found.Length > 0 || from <= floor)
            {
                return found;
            }

            to = from - 1;
        }
    }
}
