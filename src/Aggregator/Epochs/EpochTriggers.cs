using System.Numerics;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Aggregator.Epochs;

/// <summary>What a book holds at one instant, as the triggers read it.</summary>
/// <param name="OpenedAt">When the epoch opened.</param>
/// <param name="Duration">How long it lasts unless another trigger fires first (fixed, or chosen by the adaptive mode).</param>
/// <param name="IntentCount">Intents in the book.</param>
/// <param name="Notional">Their input value at reference prices (numeraire scaled 1e18).</param>
/// <param name="OpeningPrices">Reference prices when the epoch opened, by asset id.</param>
/// <param name="CurrentPrices">Reference prices now, by asset id.</param>
public sealed record EpochBookState(
    DateTimeOffset OpenedAt,
    TimeSpan Duration,
    int IntentCount,
    BigInteger Notional,
    IReadOnlyDictionary<string, UInt256> OpeningPrices,
    IReadOnlyDictionary<string, UInt256> CurrentPrices);

/// <summary>
/// The close triggers as pure functions, shared by the in-memory <see cref="EpochBook"/> and the relayer node's
/// epoch loop (whose book lives in its store): count, notional, volatility, duration, and the adaptive length.
/// </summary>
public static class EpochTriggers
{
    private static readonly BigInteger[] PowersOfTen = [.. Enumerable.Range(0, AssetRegistry.MaxDecimals + 1).Select(i => BigInteger.Pow(10, i))];

    /// <summary>The trigger that fires at <paramref name="now"/>, or null while the epoch should stay open. The first in this order wins: count, notional, volatility, duration.</summary>
    public static EpochCloseReason? Due(EpochBookOptions options, EpochBookState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(state);
        if (options.MaxIntentCount > 0 && state.IntentCount >= options.MaxIntentCount)
        {
            return EpochCloseReason.IntentCount;
        }

        if (!options.MaxNotional.IsZero && state.Notional >= options.MaxNotional.ToBigInteger())
        {
            return EpochCloseReason.Notional;
        }

        if (options.MaxPriceMoveBps > 0 && PriceMoved(options.MaxPriceMoveBps, state.OpeningPrices, state.CurrentPrices))
        {
            return EpochCloseReason.Volatility;
        }

        return now - state.OpenedAt >= state.Duration ? EpochCloseReason.Duration : null;
    }

    /// <summary>
    /// Adaptive mode: the next epoch lasts as long as the last one would have needed to gather the target count at
    /// the rate just observed, averaged with the previous length to damp noise, clamped to [min, max]. Without the
    /// adaptive mode the length stays <paramref name="duration"/>.
    /// </summary>
    public static TimeSpan NextDuration(EpochBookOptions options, TimeSpan duration, int count, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Adaptive)
        {
            return duration;
        }

        var estimate = count == 0
            ? options.MaxDuration
            : TimeSpan.FromTicks((long)BigInteger.Min((BigInteger)elapsed.Ticks * options.TargetIntentsPerEpoch / count, options.MaxDuration.Ticks));
        var next = TimeSpan.FromTicks((duration.Ticks / 2) + (estimate.Ticks / 2));
        return next < options.MinDuration ? options.MinDuration : next > options.MaxDuration ? options.MaxDuration : next;
    }

    /// <summary>An intent's input value at the given reference prices; zero for a token outside the registry (clearing refunds it).</summary>
    public static BigInteger NotionalOf(Intent intent, AssetRegistry assets, IReadOnlyDictionary<string, UInt256> prices)
    {
        ArgumentNullException.ThrowIfNull(intent);
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(prices);
        if (!assets.TryFind(intent.OriginChainId, intent.InputToken, out var asset, out var token) || !prices.TryGetValue(asset.Id, out var price))
        {
            return BigInteger.Zero;
        }

        return intent.InputAmount.ToBigInteger() * price.ToBigInteger() / PowersOfTen[token.Decimals];
    }

    private static bool PriceMoved(int maxMoveBps, IReadOnlyDictionary<string, UInt256> opening, IReadOnlyDictionary<string, UInt256> current)
    {
        foreach (var (assetId, openingPrice) in opening)
        {
            if (!current.TryGetValue(assetId, out var now))
            {
                continue;
            }

            var open = openingPrice.ToBigInteger();
            if (BigInteger.Abs(now.ToBigInteger() - open) * 10_000 > open * maxMoveBps)
            {
                return true;
            }
        }

        return false;
    }
}
