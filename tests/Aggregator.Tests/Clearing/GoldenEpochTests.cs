using System.Numerics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// An epoch cleared by hand. Chains 10 and 20; USDC has 6 decimals on both, ETH 18 decimals on chain 10 only.
/// refPrice ETH = 2000e18, USDC = 1e18, so the pair ETH/USDC (base ETH: "ETH" &lt; "USDC") has r = 2000 USDC units per
/// ETH unit. feeBps = 10, spreadBps = 100: the band is [1980, 2020]. Pools: chain 10 holds 0.001 ETH and 2000 USDC,
/// chain 20 has no pool. An asset unit is 10^-18 token: 1 USDC native = 10^12 units, 1 wei = 1 unit.
///
/// Intents (fee 10 bps: payout(g) = g − floor(g/1000), so g* is the least g with payout(g) ≥ minOut):
///   S1  1 ETH (chain 10) → USDC on 20, minOut 2,007,990,000: g* = 2,009,999,999 (2,009,999,998 pays only
///       2,007,989,999), so S1 needs p ≥ L1 = 2,009,999,999·10^12 / 10^18 = 2009.999999.
///   S2  0.5 ETH (chain 10) → USDC on 10, minOut 0: L2 = 0, eligible at any price.
///   Q1  3015 USDC (chain 20) → ETH on 10, minOut 1.49 ETH: g* = 1,491,491,491,491,491,491 wei,
///       U1 = 3015·10^18 / g* ≈ 2021.47 > 2020, eligible across the whole band.
///   D1  0.2 ETH (chain 10) → USDC on 20, minOut 406 USDC: g* = 406,406,406, L = 2032.03 above the band: deferred.
///   E1  1 ETH (chain 10) → USDC on 20, deadline one second before close + margin: refunded (expired).
///   T1  100 USDC chain 10 → chain 20, minOut 99.9 USDC; T2 150 USDC chain 20 → chain 10, minOut 149 USDC.
///
/// Price: candidates 1980, 2000 (r), 2009.999999 (L1), 2020 (U1 is outside the band).
///   p &lt; L1: only S2 sells base, X = 0.5 ETH; Q1 wants Y/p ≥ 1.49 ETH &gt; X + 0.001 (the ETH pool): Q1 is cut,
///           volume = 0.5 ETH × 2000 = 1000 (numeraire).
///   p = L1: X = 1.5 ETH, Y/p = 3015/2009.999999 = 1.50000000075 ETH ≤ X + 0.001: everything fits,
///           volume = 1.5 × 2000 + 3015 × 1 = 6015.
///   p = 2020: the same fills (net quote X·p − Y = 15 USDC ≤ 2000), volume 6015: a tie, L1 is nearer r.
///   So p = 2009999999/1000000 (already reduced: the numerator is odd and not a multiple of 5).
///
/// Fills:
///   S1  G = 10^18 · p / 10^12 = 2,009,999,999 exactly; fee 2,009,999; payout 2,007,990,000 (= minOut, the limit binds).
///   S2  G = 5·10^17 · p / 10^12 = 1,004,999,999.5; g = 1,004,999,999, dust 0.5 native; fee 1,004,999; payout 1,003,995,000.
///   Q1  G = 3015·10^18 / p = 3015·10^24 / 2,009,999,999 = 1,500,000,000,746,268,657 + 176,268,657/2,009,999,999 wei;
///       fee 1,500,000,000,746,268; payout 1,498,500,000,745,522,389.
///   T1  G = 100,000,000; fee 100,000; payout 99,900,000.   T2  G = 150,000,000; fee 150,000; payout 149,850,000.
///
/// Solvency (native units), netting the two transfers against each other and against the swaps:
///   chain 10 USDC: 2,000,000,000 + 100,000,000 (T1) − 1,003,995,000 (S2) − 149,850,000 (T2) = 946,155,000
///   chain 20 USDC: 0 + 3,015,000,000 (Q1) + 150,000,000 (T2) − 2,007,990,000 (S1) − 99,900,000 (T1) = 1,057,110,000
///   chain 10 ETH:  10^15 + 1.5·10^18 (S1, S2) − 1,498,500,000,745,522,389 (Q1) = 2,499,999,254,477,611
///
/// Conservation (asset units):
///   ETH:  released 1.5·10^18, paid 1,498,500,000,745,522,389, fees 1,500,000,000,746,268, dust 176,268,657/2,009,999,999;
///         pool net = −746,268,657 − dust = −1.5·10^18/2,009,999,999 = X − Y/p.
///   USDC: released 3,265,000,000·10^12, paid 3,261,735,000·10^12, fees 3,264,998·10^12, dust 0.5·10^12;
///         pool net = 1.5·10^12 = Y − X·p = 3015·10^18 − 1.5·2009.999999·10^18.
/// </summary>
public class GoldenEpochTests
{
    private const ulong ClosesAt = 1_767_225_600;
    private const ulong Margin = 120;
    private static readonly ChainId ChainA = new(10);
    private static readonly ChainId ChainB = new(20);
    private static readonly Bytes32 Eth10 = Bytes32.FromUInt64(0xE10);
    private static readonly Bytes32 Usdc10 = Bytes32.FromUInt64(0xC10);
    private static readonly Bytes32 Usdc20 = Bytes32.FromUInt64(0xC20);

    private static readonly Intent S1 = NewIntent(ChainA, 1, Eth10, Pow10(18), ChainB, Usdc20, 2_007_990_000);
    private static readonly Intent S2 = NewIntent(ChainA, 2, Eth10, 5 * Pow10(17), ChainA, Usdc10, 0);
    private static readonly Intent Q1 = NewIntent(ChainB, 3, Usdc20, 3_015_000_000, ChainA, Eth10, 149 * Pow10(16));
    private static readonly Intent D1 = NewIntent(ChainA, 4, Eth10, 2 * Pow10(17), ChainB, Usdc20, 406_000_000);
    private static readonly Intent E1 = NewIntent(ChainA, 5, Eth10, Pow10(18), ChainB, Usdc20, 0) with { FillDeadline = ClosesAt + Margin - 1 };
    private static readonly Intent T1 = NewIntent(ChainA, 6, Usdc10, 100_000_000, ChainB, Usdc20, 99_900_000);
    private static readonly Intent T2 = NewIntent(ChainB, 7, Usdc20, 150_000_000, ChainA, Usdc10, 149_000_000);

    private static readonly EpochInput Input = new()
    {
        EpochId = 7,
        ClosesAt = ClosesAt,
        SettlementMarginSeconds = Margin,
        FeeBps = 10,
        SpreadBps = 100,
        Assets =
        [
            new Asset("ETH", UInt256.FromBigInteger(2000 * Pow10(18)), [new AssetToken(ChainA, Eth10, 18)]),
            new Asset("USDC", UInt256.FromBigInteger(Pow10(18)), [new AssetToken(ChainA, Usdc10, 6), new AssetToken(ChainB, Usdc20, 6)]),
        ],
        Pools = [new PoolBalance(ChainA, Eth10, UInt256.FromBigInteger(Pow10(15))), new PoolBalance(ChainA, Usdc10, 2_000_000_000)],
        Intents = [S1, S2, Q1, D1, E1, T1, T2],
    };

    [Fact]
    public void Clear_HandComputedEpoch_PriceIsTheBindingLimit()
    {
        var batch = EpochClearing.Clear(Input);
        var price = Assert.Single(batch.Prices);
        Assert.Equal(new PairPrice("ETH", "USDC", 2_009_999_999, 1_000_000), price);
    }

    [Fact]
    public void Clear_HandComputedEpoch_FatesAreAsComputed()
    {
        var batch = EpochClearing.Clear(Input);
        Assert.Equal(new[] { S1, S2, Q1, T1, T2 }.Select(i => i.IntentId).Order(), batch.Filled);
        Assert.Equal([E1.IntentId], batch.Refunded);
        Assert.Equal([D1.IntentId], batch.Deferred);
        Assert.Equal([new IntentRefund(E1.IntentId, RefundReasons.Expired)], batch.Stats.Refunds);
    }

    [Fact]
    public void Clear_HandComputedEpoch_LegsHoldExactlyTheComputedActions()
    {
        var batch = EpochClearing.Clear(Input);
        var legA = Canonical(
            Release(S1), Release(S2), Release(T1), Release(D1) with { Kind = ActionKind.Refund, IntentId = E1.IntentId, Account = E1.Depositor, Amount = E1.InputAmount },
            Payout(S2, 1_003_995_000), Payout(Q1, BigInteger.Parse("1498500000745522389")), Payout(T2, 149_850_000));
        var legB = Canonical(Release(Q1), Release(T2), Payout(S1, 2_007_990_000), Payout(T1, 99_900_000));

        Assert.Equal([ChainA, ChainB], batch.Legs.Select(l => l.ChainId));
        Assert.Equal(legA, batch.Legs[0].Actions);
        Assert.Equal(legB, batch.Legs[1].Actions);

        var hashA = MerkleTree.Root(SettlementLeaf.Hashes(ChainA, 7, legA));
        var hashB = MerkleTree.Root(SettlementLeaf.Hashes(ChainB, 7, legB));
        Assert.Equal(hashA, batch.Legs[0].LegHash);
        Assert.Equal(hashB, batch.Legs[1].LegHash);
        Assert.Equal(MerkleTree.HashPair(hashA, hashB), batch.BatchRoot);
        Assert.All(batch.Legs, leg => Assert.Equal(batch.BatchRoot, leg.BatchRoot));
    }

    [Fact]
    public void Clear_HandComputedEpoch_StatsConserveEveryAsset()
    {
        var stats = EpochClearing.Clear(Input).Stats;
        var eth = stats.Assets[0];
        Assert.Equal(("ETH", 15 * Pow10(17), BigInteger.Parse("1498500000745522389"), BigInteger.Parse("1500000000746268")), (eth.AssetId, eth.Released, eth.PaidOut, eth.Fees));
        Assert.Equal(Fraction.Of(176_268_657, 2_009_999_999), eth.ExactDust);
        Assert.Equal(Fraction.Of(-15 * Pow10(17), 2_009_999_999), eth.ExactPoolNet);
        Assert.Equal((BigInteger.Zero, new BigInteger(-746_268_657)), (eth.Dust, eth.PoolNet));

        var usdc = stats.Assets[1];
        Assert.Equal(("USDC", 3_265_000_000 * Pow10(12), 3_261_735_000 * Pow10(12), 3_264_998 * Pow10(12)), (usdc.AssetId, usdc.Released, usdc.PaidOut, usdc.Fees));
        Assert.Equal(Fraction.Of(5 * Pow10(11), 1), usdc.ExactDust);
        Assert.Equal(Fraction.Of(15 * Pow10(11), 1), usdc.ExactPoolNet);

        Assert.Equal(
            [(ChainA, Usdc10, new BigInteger(946_155_000)), (ChainA, Eth10, BigInteger.Parse("2499999254477611")), (ChainB, Usdc20, new BigInteger(1_057_110_000))],
            stats.Pools.Select(p => (p.ChainId, p.Token, p.After)));
        Assert.Equal((5, 1, 1, 11), (stats.FilledCount, stats.RefundedCount, stats.DeferredCount, stats.ActionCount));
    }

    private static SettlementAction Release(Intent i) => new(ActionKind.Release, i.IntentId, i.InputToken, Bytes32.Zero, UInt256.Zero);

    private static SettlementAction Payout(Intent i, BigInteger amount) => new(ActionKind.Payout, i.IntentId, i.OutputToken, i.Recipient, UInt256.FromBigInteger(amount));

    private static SettlementAction[] Canonical(params SettlementAction[] actions)
    {
        Array.Sort(actions, SettlementAction.CompareCanonical);
        return actions;
    }

    private static BigInteger Pow10(int exponent) => BigInteger.Pow(10, exponent);

    private static Intent NewIntent(ChainId origin, ulong nonce, Bytes32 inputToken, BigInteger input, ChainId destination, Bytes32 outputToken, BigInteger minOut) => new()
    {
        IntentId = IntentId.Compute(origin, Bytes32.FromUInt64(0xE5C0), nonce),
        OriginChainId = origin,
        DepositNonce = nonce,
        Depositor = Bytes32.FromUInt64(0xD000 + nonce),
        InputToken = inputToken,
        InputAmount = UInt256.FromBigInteger(input),
        DestinationChainId = destination,
        OutputToken = outputToken,
        MinOutputAmount = UInt256.FromBigInteger(minOut),
        Recipient = Bytes32.FromUInt64(0xB000 + nonce),
        FillDeadline = ClosesAt + 3600,
    };
}
