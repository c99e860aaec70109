using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Prices;

/// <summary>
/// A simulated feed for the devnet, so that the volatility trigger fires: every tick of the TimeProvider each asset's
/// price moves by a whole number of basis points in [-maxStep, +maxStep], drawn from a SplitMix64 sequence of the seed,
/// the tick and the asset's index. Integer math only; the same seed and elapsed time give the same prices.
/// </summary>
internal sealed class RandomWalkPriceFeed : IPriceFeed
{
    public const string SourceName = "random-walk";
    private const int BpsScale = 10_000;

    private readonly string[] _assetIds;
    private readonly UInt256[] _prices;
    private readonly ulong _seed;
    private readonly int _maxStepBps;
    private readonly TimeSpan _tickInterval;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _start;
    private readonly Lock _gate = new();
    private long _tick;

    public RandomWalkPriceFeed(IReadOnlyList<(string AssetId, UInt256 Start)> assets, ulong seed, int maxStepBps, TimeSpan tickInterval, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxStepBps);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(maxStepBps, BpsScale);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(tickInterval, TimeSpan.Zero);
        _assetIds = [.. assets.Select(a => a.AssetId)];
        _prices = [.. assets.Select(a => a.Start)];
        _seed = seed;
        _maxStepBps = maxStepBps;
        _tickInterval = tickInterval;
        _time = time;
        _start = time.GetUtcNow();
    }

    public Task<IReadOnlyList<ReferencePrice>> CurrentAsync(CancellationToken cancellationToken)
    {
        var elapsed = _time.GetUtcNow() - _start;
        var target = Math.Max(0, elapsed.Ticks / _tickInterval.Ticks);
        lock (_gate)
        {
            for (; _tick < target; _tick++)
            {
                for (var i = 0; i < _prices.Length; i++)
                {
                    var step = Step(_seed, _tick + 1, i, _maxStepBps);
                    var moved = _prices[i] * (UInt256)(ulong)(BpsScale + step) / (UInt256)(ulong)BpsScale;
                    _prices[i] = moved.IsZero ? UInt256.One : moved;
                }
            }

            var observedAt = _start + (_tickInterval * _tick);
            IReadOnlyList<ReferencePrice> prices = [.. _assetIds.Select((id, i) => new ReferencePrice(id, _prices[i], SourceName, observedAt))];
            return Task.FromResult(prices);
        }
    }

    /// <summary>The move at <paramref name="tick"/> of the asset at <paramref name="assetIndex"/>, in basis points.</summary>
    internal static int Step(ulong seed, long tick, int assetIndex, int maxStepBps)
    {
        var mixed = SplitMix64(SplitMix64(seed ^ (ulong)tick) ^ (ulong)assetIndex);
        return (int)(mixed % (ulong)((2 * maxStepBps) + 1)) - maxStepBps;
    }

    private static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
