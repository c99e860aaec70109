using System.Numerics;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Aggregator.Epochs;

/// <summary>
/// The open epoch's intents and the triggers that close it. Adding is idempotent by intent id (a redelivered
/// message is a no-op); a retraction removes an intent reorganised out of its chain. All time comes from the
/// injected <see cref="TimeProvider"/>. Thread-safe.
/// </summary>
public sealed class EpochBook
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly EpochBookOptions _options;
    private readonly AssetRegistry _assets;
    // Each intent with the notional it added, so a retraction removes exactly what the addition added.
    private readonly Dictionary<Bytes32, (Intent Intent, BigInteger Notional)> _intents = [];
    private readonly Dictionary<string, UInt256> _openingPrices = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UInt256> _currentPrices = new(StringComparer.Ordinal);
    private BigInteger _notional;
    private ulong _epochId;
    private DateTimeOffset _openedAt;
    private TimeSpan _duration;

    public EpochBook(TimeProvider time, EpochBookOptions options, AssetRegistry assets, ulong firstEpochId = 1)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(assets);
        options.Validate();
        _time = time;
        _options = options;
        _assets = assets;
        _epochId = firstEpochId;
        _duration = options.MaxDuration;
        foreach (var asset in assets.Assets)
        {
            _currentPrices[asset.Id] = asset.ReferencePrice;
        }

        Open();
    }

    /// <summary>The id of the epoch now collecting intents.</summary>
    public ulong EpochId
    {
        get
        {
            lock (_gate)
            {
                return _epochId;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _intents.Count;
            }
        }
    }

    /// <summary>The length the open epoch will last unless another trigger fires first.</summary>
    public TimeSpan CurrentDuration
    {
        get
        {
            lock (_gate)
            {
                return _duration;
            }
        }
    }

    /// <summary>Adds an intent; returns false (and changes nothing) when it is already in the book.</summary>
    public bool Add(Intent intent)
    {
        ArgumentNullException.ThrowIfNull(intent);
        lock (_gate)
        {
            if (_intents.ContainsKey(intent.IntentId))
            {
                return false;
            }

            var notional = NotionalOf(intent);
            _intents.Add(intent.IntentId, (intent, notional));
            _notional += notional;
            return true;
        }
    }

    /// <summary>Removes an intent that left its chain (reorg); returns false when it was not in the book.</summary>
    public bool Retract(Bytes32 intentId)
    {
        lock (_gate)
        {
            if (!_intents.Remove(intentId, out var entry))
            {
                return false;
            }

            _notional -= entry.Notional;
            return true;
        }
    }

    /// <summary>Records a new reference price for an asset (the volatility trigger compares it with the opening price).</summary>
    public void UpdateReferencePrice(string assetId, UInt256 price)
    {
        lock (_gate)
        {
            if (!_currentPrices.ContainsKey(assetId))
            {
                throw new ArgumentException($"Unknown asset '{assetId}'.", nameof(assetId));
            }

            if (price.IsZero)
            {
                throw new ArgumentException($"Asset '{assetId}': a reference price must be positive, got 0.", nameof(price));
            }

            _currentPrices[assetId] = price;
        }
    }

    /// <summary>The trigger that fires now, or null while the epoch should stay open.</summary>
    public EpochCloseReason? DueTrigger()
    {
        lock (_gate)
        {
            return DueTriggerLocked(_time.GetUtcNow());
        }
    }

    /// <summary>How long until the duration trigger fires (zero when it is due); the scheduler sleeps at most this long.</summary>
    public TimeSpan TimeUntilDuration()
    {
        lock (_gate)
        {
            var remaining = _openedAt + _duration - _time.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>
    /// Closes the open epoch if a trigger is due (or unconditionally when <paramref name="force"/>), returning it and
    /// opening the next one; returns null when nothing is due.
    /// </summary>
    public ClosedEpoch? TryClose(bool force = false)
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var reason = DueTriggerLocked(now) ?? (force ? EpochCloseReason.Duration : null);
            if (reason is null)
            {
                return null;
            }

            var intents = _intents.Values.Select(e => e.Intent).OrderBy(i => i.IntentId).ToArray();
            var closed = new ClosedEpoch(_epochId, _openedAt, now, reason.Value, intents);
            _duration = EpochTriggers.NextDuration(_options, _duration, intents.Length, now - _openedAt);
            _intents.Clear();
            _notional = BigInteger.Zero;
            _epochId++;
            Open();
            return closed;
        }
    }

    private EpochCloseReason? DueTriggerLocked(DateTimeOffset now) =>
        EpochTriggers.Due(_options, new EpochBookState(_openedAt, _duration, _intents.Count, _notional, _openingPrices, _currentPrices), now);

    private void Open()
    {
        _openedAt = _time.GetUtcNow();
        foreach (var (assetId, price) in _currentPrices)
        {
            _openingPrices[assetId] = price;
        }
    }

    private BigInteger NotionalOf(Intent intent) => EpochTriggers.NotionalOf(intent, _assets, _currentPrices);
}
