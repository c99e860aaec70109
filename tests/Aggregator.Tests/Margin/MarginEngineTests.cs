using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;

namespace DiscreteExec.Aggregator.Tests.Margin;

public class MarginEngineTests
{
    private static readonly ChainId Evm = new(31337);
    private static readonly ChainId Solana = new(900001);
    private static readonly Bytes32 UsdcEvm = Token(1);
    private static readonly Bytes32 UsdcSolana = Token(2);
    private static readonly Bytes32 WethEvm = Token(3);

    // USDC at 1.00 (6 decimals on both chains), WETH at 2500.00 (18 decimals): numeraire scaled 1e18.
    private static readonly AssetRegistry Assets = new(
    [
        new Asset("USDC", 1_000_000_000_000_000_000UL, [new AssetToken(Evm, UsdcEvm, 6), new AssetToken(Solana, UsdcSolana, 6)]),
        new Asset("WETH", UInt256.Parse("2500000000000000000000"), [new AssetToken(Evm, WethEvm, 18)]),
    ]);

    [Fact]
    public void Compute_PoolWithObligations_ExactCapUtilisationAndValue()
    {
        var pools = new[] { new PoolReading(Evm, UsdcEvm, 1_000_000_007UL) };
        var owed = new[] { new PoolObligation(Evm, UsdcEvm, 250_000_000UL), new PoolObligation(Evm, UsdcEvm, 3UL) };

        var result = Assert.Single(MarginEngine.Compute(Assets, pools, owed, new MarginParameters { UsableShareBps = 3_333 }));

        // cap = floor(1_000_000_007 * 3333 / 10000) = floor(333_300_002.33) = 333_300_002
        Assert.Equal((UInt256)250_000_003UL, result.Obligations);
        Assert.Equal((UInt256)333_300_002UL, result.Cap);
        // utilisation = floor(250_000_003 * 10000 / 1_000_000_007) = floor(2500.0000125) = 2500
        Assert.Equal(2_500, result.UtilisationBps);
        // value = 333_300_002 * 1e18 / 1e6
        Assert.Equal(UInt256.Parse("333300002000000000000"), result.CapValue);
        Assert.Equal("USDC", result.AssetId);
        Assert.False(result.BelowFloor);
    }

    [Fact]
    public void Compute_ObligationsAboveBalance_ZeroCapFullUtilisationBelowFloor()
    {
        var pools = new[] { new PoolReading(Solana, UsdcSolana, 100UL), new PoolReading(Evm, WethEvm, UInt256.Zero) };
        var owed = new[] { new PoolObligation(Solana, UsdcSolana, 150UL), new PoolObligation(Evm, WethEvm, 1UL) };
        var parameters = new MarginParameters { UsableShareBps = 10_000, Floors = [new PoolFloor(Solana, UsdcSolana, 1UL)] };

        var results = MarginEngine.Compute(Assets, pools, owed, parameters);

        // Ordered by chain id: EVM first.
        Assert.Equal([Evm, Solana], results.Select(r => r.ChainId));
        Assert.Equal(10_000, results[0].UtilisationBps);
        Assert.False(results[0].BelowFloor); // no floor configured for WETH: zero is not below zero
        Assert.Equal(15_000, results[1].UtilisationBps);
        Assert.Equal((UInt256)100UL, results[1].Cap); // the whole pool at a share of 10000, whatever is owed
        Assert.Equal(UInt256.Zero, results[0].Cap);
        Assert.True(results[1].BelowFloor);
    }

    [Fact]
    public void Compute_EighteenDecimals_CapValuedAtTheReferencePrice()
    {
        var pools = new[] { new PoolReading(Evm, WethEvm, UInt256.Parse("3000000000000000001")) };

        var result = Assert.Single(MarginEngine.Compute(Assets, pools, [], new MarginParameters { UsableShareBps = 5_000 }));

        Assert.Equal(UInt256.Parse("1500000000000000000"), result.Cap); // floor(3e18+1 / 2)
        Assert.Equal(UInt256.Parse("3750000000000000000000"), result.CapValue); // 1.5 WETH at 2500
        Assert.Equal(0, result.UtilisationBps);
    }

    [Fact]
    public void Compute_FreeBalanceEqualToFloor_NotBelowFloor()
    {
        var pools = new[] { new PoolReading(Evm, UsdcEvm, 1_000UL) };
        var parameters = new MarginParameters { Floors = [new PoolFloor(Evm, UsdcEvm, 900UL)] };

        var atFloor = Assert.Single(MarginEngine.Compute(Assets, pools, [new PoolObligation(Evm, UsdcEvm, 100UL)], parameters));
        var underFloor = Assert.Single(MarginEngine.Compute(Assets, pools, [new PoolObligation(Evm, UsdcEvm, 101UL)], parameters));

        Assert.False(atFloor.BelowFloor);
        Assert.True(underFloor.BelowFloor);
    }

    [Fact]
    public void Compute_UnregisteredPool_ThrowsNamingThePool()
    {
        var stray = Token(99);

        var error = Assert.Throws<ArgumentException>(() => MarginEngine.Compute(Assets, [new PoolReading(Evm, stray, 1UL)], [], new MarginParameters()));

        Assert.Contains(stray.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ShareAboveFullPool_ThrowsNamingTheKey()
    {
        var error = Assert.Throws<ArgumentException>(() => new MarginParameters { UsableShareBps = 10_001 }.Validate());

        Assert.Contains("UsableShareBps", error.Message, StringComparison.Ordinal);
    }

    private static Bytes32 Token(byte tag)
    {
        var bytes = new byte[32];
        bytes[31] = tag;
        return new Bytes32(bytes);
    }
}
