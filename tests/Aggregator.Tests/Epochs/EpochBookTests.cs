using DiscreteExec.Aggregator.Epochs;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Aggregator.Tests.Epochs;

public class EpochBookTests
{
    private static readonly ChainId Evm = new(31337);
    private static readonly Bytes32 Usdc = Bytes32.FromUInt64(0xA);
    private static readonly UInt256 OneDollar = UInt256.Parse("1000000000000000000");

    private static readonly AssetRegistry Registry = new(
        [new Asset("USDC", OneDollar, [new AssetToken(Evm, Usdc, 6)])]);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Add_SameIntentTwice_IsANoOp()
    {
        var book = NewBook(new EpochBookOptions());
        Assert.True(book.Add(NewIntent(1)));
        Assert.False(book.Add(NewIntent(1)));
        Assert.Equal(1, book.Count);
    }

    [Fact]
    public void Retract_KnownIntent_RemovesIt_UnknownIntent_ReturnsFalse()
    {
        var book = NewBook(new EpochBookOptions());
        book.Add(NewIntent(1));
        Assert.True(book.Retract(Bytes32.FromUInt64(1)));
        Assert.False(book.Retract(Bytes32.FromUInt64(1)));
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void TryClose_BeforeMaxDuration_ReturnsNull_AtMaxDuration_ClosesByDuration()
    {
        var book = NewBook(new EpochBookOptions { MaxDuration = TimeSpan.FromSeconds(10) });
        book.Add(NewIntent(1));
        _time.Advance(TimeSpan.FromSeconds(9.999));
        Assert.Null(book.TryClose());
        Assert.Equal(TimeSpan.FromMilliseconds(1), book.TimeUntilDuration());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var closed = book.TryClose();

        Assert.NotNull(closed);
        Assert.Equal(EpochCloseReason.Duration, closed.Reason);
        Assert.Equal(1UL, closed.EpochId);
        Assert.Single(closed.Intents);
        Assert.Equal(2UL, book.EpochId);
        Assert.Equal(0, book.Count);
    }

    [Fact]
    public void TryClose_IntentsOrderedById_WhateverTheArrivalOrder()
    {
        var book = NewBook(new EpochBookOptions { MaxIntentCount = 3 });
        book.Add(NewIntent(3));
        book.Add(NewIntent(1));
        book.Add(NewIntent(2));

        var closed = book.TryClose();

        Assert.NotNull(closed);
        Assert.Equal(EpochCloseReason.IntentCount, closed.Reason);
        Assert.Equal([1UL, 2UL, 3UL], closed.Intents.Select(i => i.DepositNonce));
    }

    [Fact]
    public void DueTrigger_NotionalReachesThreshold_FiresNotional()
    {
        // 1,000 USDC at $1 = 1000e18 in the numeraire.
        var book = NewBook(new EpochBookOptions { MaxNotional = UInt256.Parse("1000000000000000000000") });
        book.Add(NewIntent(1, amount: 999_000_000));
        Assert.Null(book.DueTrigger());
        book.Add(NewIntent(2, amount: 1_000_000));
        Assert.Equal(EpochCloseReason.Notional, book.DueTrigger());
    }

    [Fact]
    public void Retract_AfterAPriceChange_RemovesExactlyTheNotionalItAdded()
    {
        var book = NewBook(new EpochBookOptions { MaxNotional = UInt256.Parse("1000000000000000000000"), MaxPriceMoveBps = 0 });
        book.Add(NewIntent(1, amount: 600_000_000)); // 600e18 at $1
        book.UpdateReferencePrice("USDC", UInt256.Parse("2000000000000000000"));
        book.Add(NewIntent(2, amount: 300_000_000)); // 600e18 at $2: 1200e18 in all
        Assert.Equal(EpochCloseReason.Notional, book.DueTrigger());

        book.Retract(Bytes32.FromUInt64(1)); // back to 600e18
        Assert.Null(book.DueTrigger());
        book.Add(NewIntent(3, amount: 200_000_000)); // +400e18 = 1000e18: at the threshold
        Assert.Equal(EpochCloseReason.Notional, book.DueTrigger());
    }

    [Fact]
    public void DueTrigger_PriceMovesPastThreshold_FiresVolatility()
    {
        var book = NewBook(new EpochBookOptions { MaxPriceMoveBps = 100 });
        book.UpdateReferencePrice("USDC", UInt256.Parse("1010000000000000000")); // exactly 1%: not more than
        Assert.Null(book.DueTrigger());
        book.UpdateReferencePrice("USDC", UInt256.Parse("989999999999999999")); // just over 1% down
        Assert.Equal(EpochCloseReason.Volatility, book.DueTrigger());
    }

    [Fact]
    public void UpdateReferencePrice_Zero_ThrowsNamingTheAssetAndKeepsThePrice()
    {
        // A zero price would value every intent at nothing (blinding the notional trigger) and, once it became the
        // opening price, make any later price count as an infinite move.
        var book = NewBook(new EpochBookOptions { MaxNotional = UInt256.Parse("1000000000000000000000") });
        var error = Assert.Throws<ArgumentException>(() => book.UpdateReferencePrice("USDC", UInt256.Zero));
        Assert.Contains("USDC", error.Message, StringComparison.Ordinal);

        book.Add(NewIntent(1, amount: 1_000_000_000)); // 1000e18 at the kept $1
        Assert.Equal(EpochCloseReason.Notional, book.DueTrigger());
    }

    [Fact]
    public void DueTrigger_AfterVolatilityClose_ComparesWithTheNewOpeningPrice()
    {
        var book = NewBook(new EpochBookOptions { MaxPriceMoveBps = 100 });
        book.UpdateReferencePrice("USDC", UInt256.Parse("1100000000000000000"));
        Assert.Equal(EpochCloseReason.Volatility, book.TryClose()!.Reason);
        Assert.Null(book.DueTrigger());
    }

    [Fact]
    public void Adaptive_FastArrivals_ShortenTheEpochTowardsMin_SlowArrivals_LengthenTowardsMax()
    {
        var options = new EpochBookOptions
        {
            Adaptive = true,
            MinDuration = TimeSpan.FromSeconds(2),
            MaxDuration = TimeSpan.FromSeconds(20),
            TargetIntentsPerEpoch = 100,
            MaxIntentCount = 0,
        };
        var book = NewBook(options);
        ulong nonce = 0;

        // 50 intents/s: 100 intents take 2 s. Each length averages the last with the 2 s estimate (20, 11, 6.5, ...).
        for (var epoch = 0; epoch < 14; epoch++)
        {
            var length = book.CurrentDuration;
            for (var i = 0; i < (int)(length.Ticks * 50 / TimeSpan.TicksPerSecond); i++)
            {
                book.Add(NewIntent(++nonce));
            }

            _time.Advance(length);
            Assert.NotNull(book.TryClose());
        }

        Assert.InRange(book.CurrentDuration, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2.05));

        // No arrivals at all: the length grows back to the max.
        for (var epoch = 0; epoch < 10; epoch++)
        {
            _time.Advance(book.CurrentDuration);
            Assert.NotNull(book.TryClose());
        }

        Assert.True(book.CurrentDuration > TimeSpan.FromSeconds(19.9));
        Assert.True(book.CurrentDuration <= TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void Constructor_MinAboveMaxInAdaptiveMode_ThrowsNamingTheKeys()
    {
        var options = new EpochBookOptions { Adaptive = true, MinDuration = TimeSpan.FromSeconds(30), MaxDuration = TimeSpan.FromSeconds(10) };
        var error = Assert.Throws<ArgumentException>(() => NewBook(options));
        Assert.Contains("MinDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_MaxDurationOutOfRange_ThrowsNamingTheKey()
    {
        var error = Assert.Throws<ArgumentException>(() => NewBook(new EpochBookOptions { MaxDuration = TimeSpan.Zero }));
        Assert.Contains("MaxDuration", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryClose_Forced_ClosesAnEmptyEpoch()
    {
        var book = NewBook(new EpochBookOptions());
        Assert.Null(book.TryClose());
        var closed = book.TryClose(force: true);
        Assert.NotNull(closed);
        Assert.Empty(closed.Intents);
    }

    private EpochBook NewBook(EpochBookOptions options) => new(_time, options, Registry);

    private static Intent NewIntent(ulong nonce, ulong amount = 1_000_000) => new()
    {
        IntentId = Bytes32.FromUInt64(nonce),
        OriginChainId = Evm,
        DepositNonce = nonce,
        Depositor = Bytes32.FromUInt64(0xD),
        InputToken = Usdc,
        InputAmount = amount,
        DestinationChainId = new ChainId(900001),
        OutputToken = Bytes32.FromUInt64(0xB),
        MinOutputAmount = 1UL,
        Recipient = Bytes32.FromUInt64(0xE),
        FillDeadline = 1_800_000_000,
    };
}
