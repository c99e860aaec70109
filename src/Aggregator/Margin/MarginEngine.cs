using System.ComponentModel.DataAnnotations;
using System.Numerics;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;

namespace DiscreteExec.Aggregator.Margin;

/// <summary>The smallest balance a pool should hold (native units) before it is flagged for rebalancing.</summary>
public sealed record PoolFloor(ChainId ChainId, Bytes32 Token, UInt256 MinimumBalance);

/// <summary>How much of each pool the next epoch's clearing may use, and when a pool needs rebalancing.</summary>
public sealed class MarginParameters
{
    /// <summary>The share of a pool's balance the next epoch may pay out net, in basis points.</summary>
    [Range(0, 10_000)]
    public int UsableShareBps { get; set; } = 5_000;

    /// <summary>Per-pool floors; a pool without one has a floor of zero.</summary>
    public IReadOnlyList<PoolFloor> Floors { get; set; } = [];

    public void Validate()
    {
        if (UsableShareBps is < 0 or > 10_000)
        {
            throw new ArgumentException($"Margin:UsableShareBps must be within 0..10000, got {UsableShareBps}.");
        }

        var duplicate = Floors.GroupBy(f => (f.ChainId, f.Token)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Margin:Floors names the pool of token {duplicate.Key.Token} on chain {duplicate.Key.ChainId} twice.");
        }
    }
}

/// <summary>A pool's balance after settlement (native units), as the chain reports it.</summary>
public sealed record PoolReading(ChainId ChainId, Bytes32 Token, UInt256 Balance);

/// <summary>What is still owed from a pool: the minimum payouts of intents carried over to the next epoch.</summary>
public sealed record PoolObligation(ChainId ChainId, Bytes32 Token, UInt256 Amount);

/// <summary>
/// One pool's margin: <see cref="Cap"/> is the net outflow (native units) the next epoch's clearing may use,
/// <see cref="CapValue"/> the same valued at the post-settlement reference price (numeraire scaled 1e18).
/// </summary>
public sealed record PoolMarginResult(
    ChainId ChainId, Bytes32 Token, string AssetId, UInt256 Balance, UInt256 Obligations, int UtilisationBps, UInt256 Cap, UInt256 CapValue, bool BelowFloor);

/// <summary>
/// The margin engine of the epoch lifecycle: runs once per epoch after it settled, never mid-epoch, so a price
/// spike inside an epoch changes nothing until the next boundary. Pure and integer-only: every division rounds down.
/// </summary>
public static class MarginEngine
{
    private const int FullBps = 10_000;

    /// <summary>
    /// Per registered (chain, token) with a reading: cap = balance × share / 10000 (the deferred intents the
    /// obligations stand for compete for it in the next epoch, so they are not taken off it twice); free = balance −
    /// obligations (zero when obligations exceed it); utilisation = obligations × 10000 / balance (10000 when the balance is zero and
    /// something is owed; saturates at int.MaxValue); below floor when free &lt; floor. Ordered by chain id, then token.
    /// </summary>
    /// <remarks>The registry carries the post-settlement reference prices.</remarks>
    public static IReadOnlyList<PoolMarginResult> Compute(
        AssetRegistry assets, IReadOnlyList<PoolReading> pools, IReadOnlyList<PoolObligation> obligations, MarginParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(pools);
        ArgumentNullException.ThrowIfNull(obligations);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();

        var owed = new Dictionary<(ChainId, Bytes32), UInt256>();
        foreach (var obligation in obligations)
        {
            owed.TryGetValue((obligation.ChainId, obligation.Token), out var sum);
            owed[(obligation.ChainId, obligation.Token)] = AddSaturating(sum, obligation.Amount);
        }

        var floors = parameters.Floors.ToDictionary(f => (f.ChainId, f.Token), f => f.MinimumBalance);
        var results = new List<PoolMarginResult>(pools.Count);
        foreach (var pool in pools.OrderBy(p => p.ChainId).ThenBy(p => p.Token))
        {
            if (!assets.TryFind(pool.ChainId, pool.Token, out var asset, out var token))
            {
                throw new ArgumentException($"Pool of token {pool.Token} on chain {pool.ChainId} is not in the asset registry.", nameof(pools));
            }

            owed.TryGetValue((pool.ChainId, pool.Token), out var obligation);
            floors.TryGetValue((pool.ChainId, pool.Token), out var floor);
            var free = pool.Balance > obligation ? pool.Balance - obligation : UInt256.Zero;
            var cap = UInt256.MultiplyDivide(pool.Balance, (ulong)parameters.UsableShareBps, (ulong)FullBps);
            var capValue = UInt256.FromBigInteger(BigInteger.Min(
                cap.ToBigInteger() * asset.ReferencePrice.ToBigInteger() / BigInteger.Pow(10, token.Decimals), UInt256.MaxBigInteger));
            results.Add(new PoolMarginResult(
                pool.ChainId, pool.Token, asset.Id, pool.Balance, obligation, Utilisation(pool.Balance, obligation), cap, capValue, free < floor));
        }

        return results;
    }

    private static int Utilisation(UInt256 balance, UInt256 obligations)
    {
        if (obligations.IsZero)
        {
            return 0;
        }

        if (balance.IsZero)
        {
            return FullBps;
        }

        var bps = UInt256.MultiplyDivide(obligations, (ulong)FullBps, balance);
        return bps <= (ulong)int.MaxValue ? (int)bps.AsUInt64 : int.MaxValue;
    }

    private static UInt256 AddSaturating(UInt256 a, UInt256 b) => UInt256.MaxValue - a < b ? UInt256.MaxValue : a + b;
}
