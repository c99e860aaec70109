using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Aggregator.Tests.Clearing;

public class EpochClearingInputTests
{
    private static readonly Bytes32 Usdc = Bytes32.FromUInt64(0xC1);
    private static readonly Asset UsdcAsset = new("USDC", 1_000_000_000_000_000_000UL, [new AssetToken(new ChainId(1), Usdc, 6), new AssetToken(new ChainId(2), Usdc, 6)]);

    [Fact]
    public void Clear_DuplicateIntentId_ThrowsNamingTheId()
    {
        var intent = Transfer(1);
        var error = Assert.Throws<ClearingInputException>(() => EpochClearing.Clear(Epoch([intent, Transfer(2), intent with { InputAmount = 5 }])));
        Assert.Contains(intent.IntentId.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10_001u, 0u, "feeBps")]
    [InlineData(0u, 10_001u, "spreadBps")]
    public void Clear_SettingOutOfRange_ThrowsNamingIt(uint fee, uint spread, string name)
    {
        var error = Assert.Throws<ClearingInputException>(() => EpochClearing.Clear(Epoch([]) with { FeeBps = fee, SpreadBps = spread }));
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Clear_PoolListedTwice_Throws()
    {
        var pool = new PoolBalance(new ChainId(1), Usdc, 5);
        Assert.Throws<ClearingInputException>(() => EpochClearing.Clear(Epoch([]) with { Pools = [pool, pool] }));
    }

    [Fact]
    public void Clear_ZeroReferencePrice_Throws()
    {
        Assert.Throws<ClearingInputException>(() => EpochClearing.Clear(Epoch([]) with { Assets = [UsdcAsset with { ReferencePrice = UInt256.Zero }] }));
    }

    [Fact]
    public void Clear_EmptyEpoch_HasNoLegsAndAZeroRoot()
    {
        var batch = EpochClearing.Clear(Epoch([]));
        Assert.Empty(batch.Legs);
        Assert.Equal(Bytes32.Zero, batch.BatchRoot);
    }

    [Fact]
    public void Clear_TransferWithoutLiquidityOnItsDestination_IsDeferredBySolvency()
    {
        // 1 USDC from chain 1 to chain 2 with no pool on chain 2: nothing nets it, so it waits.
        var batch = EpochClearing.Clear(Epoch([Transfer(1)]));
        Assert.Equal([Transfer(1).IntentId], batch.Deferred);
    }

    [Fact]
    public void Clear_ShortPool_DefersTheLowestSurplusFirst()
    {
        // Pool on chain 2 holds 1.5 USDC: of two 1-USDC transfers to chain 2, the one with the tighter limit (lower
        // surplus G/g*) is deferred, whatever the ids.
        var tight = Transfer(1) with { MinOutputAmount = 1_000_000 };
        var loose = Transfer(2) with { MinOutputAmount = 500_000 };
        var batch = EpochClearing.Clear(Epoch([tight, loose]) with { Pools = [new PoolBalance(new ChainId(2), Usdc, 1_500_000)] });
        Assert.Equal([loose.IntentId], batch.Filled);
        Assert.Equal([tight.IntentId], batch.Deferred);
    }

    [Theory]
    [InlineData(5000UL, 6000UL, 1)] // equal surplus: the later deadline waits
    [InlineData(6000UL, 5000UL, 0)]
    [InlineData(5000UL, 5000UL, -1)] // equal surplus and deadline: the higher id waits
    public void Clear_ShortPoolWithEqualSurplus_DefersByDeadlineThenId(ulong firstDeadline, ulong secondDeadline, int expectedDeferred)
    {
        var first = Transfer(1) with { FillDeadline = firstDeadline };
        var second = Transfer(2) with { FillDeadline = secondDeadline };
        var batch = EpochClearing.Clear(Epoch([first, second]) with { Pools = [new PoolBalance(new ChainId(2), Usdc, 1_500_000)] });
        var deferred = expectedDeferred switch
        {
            0 => first.IntentId,
            1 => second.IntentId,
            _ => first.IntentId > second.IntentId ? first.IntentId : second.IntentId,
        };
        Assert.Equal([deferred], batch.Deferred);
    }

    [Fact]
    public void Clear_IdsSharingTheirFirstBytes_AreOrderedBytewise()
    {
        // Ids 0x00…05, 0x00…01, … share their first 24 bytes: the order comes from the last ones.
        var nonces = new ulong[] { 5, 1, 300, 2, 0x1_0000_0000, 7 };
        var intents = nonces.Select(n => Transfer(n) with { IntentId = Bytes32.FromUInt64(n) }).ToArray();
        var batch = EpochClearing.Clear(Epoch(intents));
        Assert.Equal(nonces.Order().Select(Bytes32.FromUInt64), batch.Deferred);
    }

    private static EpochInput Epoch(IReadOnlyList<Intent> intents) => new()
    {
        EpochId = 1,
        ClosesAt = 1000,
        SettlementMarginSeconds = 10,
        FeeBps = 0,
        SpreadBps = 0,
        Assets = [UsdcAsset],
        Pools = [],
        Intents = intents,
    };

    private static Intent Transfer(ulong nonce) => new()
    {
        IntentId = IntentId.Compute(new ChainId(1), Bytes32.FromUInt64(0xE5), nonce),
        OriginChainId = new ChainId(1),
        DepositNonce = nonce,
        Depositor = Bytes32.FromUInt64(0xD),
        InputToken = Usdc,
        InputAmount = 1_000_000,
        DestinationChainId = new ChainId(2),
        OutputToken = Usdc,
        MinOutputAmount = 0,
        Recipient = Bytes32.FromUInt64(0xB),
        FillDeadline = 5000,
    };
}
