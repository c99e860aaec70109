using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Core.Tests.Settlement;

// Vectors: cast keccak $(cast abi-encode "f(uint64,uint64,uint8,bytes32,bytes32,bytes32,uint256)" ...)
public class SettlementLeafTests
{
    [Fact]
    public void Hash_Payout_MatchesCast()
    {
        // ... 31337 7 2 0x11..11 0x00..2222..22 0x00..3333..33 2490000
        var action = new SettlementAction(
            ActionKind.Payout,
            Bytes32.Parse("0x1111111111111111111111111111111111111111111111111111111111111111"),
            Bytes32.Parse("0x0000000000000000000000002222222222222222222222222222222222222222"),
            Bytes32.Parse("0x0000000000000000000000003333333333333333333333333333333333333333"),
            2_490_000UL);
        Assert.Equal(
            Bytes32.Parse("0x3d0a0b7e7ed15dcd9d7828324e7c16b853c08ed36616328da03433efad76cebc"),
            SettlementLeaf.Hash(new ChainId(31337), 7, action));
    }

    [Fact]
    public void Hash_ReleaseWithMaxEpoch_MatchesCast()
    {
        // ... 900001 18446744073709551615 0 0x44..44 0x55..55 0x00..00 0
        var action = new SettlementAction(
            ActionKind.Release,
            Bytes32.Parse("0x4444444444444444444444444444444444444444444444444444444444444444"),
            Bytes32.Parse("0x5555555555555555555555555555555555555555555555555555555555555555"),
            Bytes32.Zero,
            UInt256.Zero);
        Assert.Equal(
            Bytes32.Parse("0xb6f26a559c2666c35e21d8d8e056306f6631769e31671f5ba26d3a09c9a88d77"),
            SettlementLeaf.Hash(new ChainId(900001), ulong.MaxValue, action));
    }

    [Fact]
    public void Hash_WithdrawOfMaxUint256_MatchesCast()
    {
        // ... 1 1 3 0x00..00 0x55..55 0x66..66 (2^256-1)
        var action = new SettlementAction(
            ActionKind.Withdraw,
            Bytes32.Zero,
            Bytes32.Parse("0x5555555555555555555555555555555555555555555555555555555555555555"),
            Bytes32.Parse("0x6666666666666666666666666666666666666666666666666666666666666666"),
            UInt256.MaxValue);
        Assert.Equal(
            Bytes32.Parse("0x419a5a2770e73a228777bd4b46cbc3662c0904c76f61d64975abe48777eff835"),
            SettlementLeaf.Hash(new ChainId(1), 1, action));
    }

    [Fact]
    public void ChunkHash_ThreeLeaves_MatchesCast()
    {
        // cast keccak $(cast concat-hex $A $B $C)
        Bytes32[] leaves =
        [
            Bytes32.Parse("0x3d0a0b7e7ed15dcd9d7828324e7c16b853c08ed36616328da03433efad76cebc"),
            Bytes32.Parse("0xb6f26a559c2666c35e21d8d8e056306f6631769e31671f5ba26d3a09c9a88d77"),
            Bytes32.Parse("0x419a5a2770e73a228777bd4b46cbc3662c0904c76f61d64975abe48777eff835"),
        ];
        Assert.Equal(Bytes32.Parse("0x5b947aa93c9a956700c685a1cbecb7a58bf3a68e993966b945c663213a0d80cf"), SettlementLeaf.ChunkHash(leaves));
    }

    [Fact]
    public void CompareCanonical_SortsByKindThenIntentIdThenWithdrawTokenAndAccount()
    {
        var low = Bytes32.FromUInt64(1);
        var high = Bytes32.FromUInt64(2);
        SettlementAction[] actions =
        [
            new(ActionKind.Withdraw, Bytes32.Zero, high, low, 1UL),
            new(ActionKind.Payout, low, low, low, 1UL),
            new(ActionKind.Withdraw, Bytes32.Zero, low, high, 1UL),
            new(ActionKind.Release, high, low, Bytes32.Zero, UInt256.Zero),
            new(ActionKind.Refund, low, low, low, 1UL),
            new(ActionKind.Release, low, low, Bytes32.Zero, UInt256.Zero),
        ];
        Array.Sort(actions, SettlementAction.CompareCanonical);
        Assert.Equal([ActionKind.Release, ActionKind.Release, ActionKind.Refund, ActionKind.Payout, ActionKind.Withdraw, ActionKind.Withdraw], actions.Select(a => a.Kind));
        Assert.Equal(low, actions[0].IntentId);
        Assert.Equal(low, actions[4].Token);
    }
}
