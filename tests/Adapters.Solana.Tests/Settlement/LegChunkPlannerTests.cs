using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Settlement;

public sealed class LegChunkPlannerTests
{
    private static readonly EscrowProgram Escrow = new(Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw"));
    private static readonly ChainId Chain = new(900001);
    private static readonly Bytes32 Mint = Bytes32.FromUInt64(77);
    private static readonly Bytes32 Payer = Bytes32.FromUInt64(1001);
    private static readonly Bytes32[] Attestors = [Payer, Bytes32.FromUInt64(1002)];

    [Fact]
    public void Plan_ManyMixedActions_EveryChunkFitsAndCoversTheLegInOrder()
    {
        var leg = Leg(releases: 9, refunds: 4, payouts: 40);
        var chunks = LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, computeUnitPrice: 1, computeUnitLimit: 1_400_000);

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, c => Assert.InRange(c.TransactionSize, 1, Transaction.MaxSize));
        Assert.All(chunks, c => Assert.InRange(c.Actions.Count, 1, EscrowProgram.MaxActionsPerSettle));
        Assert.Equal(Enumerable.Range(0, chunks.Count).Select(i => (uint)i), chunks.Select(c => c.Index));
        Assert.Equal(leg.Actions, chunks.SelectMany(c => c.Actions));
        foreach (var chunk in chunks)
        {
            Assert.Equal(SettlementLeaf.ChunkHash(SettlementLeaf.Hashes(Chain, leg.EpochId, chunk.Actions)), chunk.ChunkHash);
        }
    }

    [Fact]
    public void Plan_SameLegTwice_SameChunks()
    {
        var leg = Leg(3, 2, 15);
        var a = LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 1_400_000);
        var b = LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 1_400_000);
        Assert.Equal(a.Select(c => (c.Index, c.ChunkHash, c.Actions.Count)), b.Select(c => (c.Index, c.ChunkHash, c.Actions.Count)));
    }

    [Fact]
    public void Plan_LowComputeLimit_SmallerChunks()
    {
        var leg = Leg(0, 0, 12);
        var roomy = LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 1_400_000);
        var tight = LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 150_000);
        Assert.True(tight.Count > roomy.Count);
        Assert.All(tight, c => Assert.True(c.ComputeUnits <= 150_000));
    }

    [Fact]
    public void Plan_ReleasesOnly_UpTo32PerChunk()
    {
        var chunks = LegChunkPlanner.Plan(Leg(40, 0, 0), Escrow, Payer, Attestors, 0, 1_400_000);
        Assert.All(chunks, c => Assert.True(c.TransactionSize <= Transaction.MaxSize));
        Assert.Equal(40, chunks.Sum(c => c.Actions.Count));
    }

    [Fact]
    public void Plan_AmountAboveU64_ThrowsNamingTheAction()
    {
        var leg = new SettlementLeg(Chain, 1, Bytes32.Zero, Bytes32.Zero,
            [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Mint, Bytes32.FromUInt64(2), UInt256.MaxValue)]);
        var ex = Assert.Throws<ArgumentException>(() => LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 1_400_000));
        Assert.Contains("Action 0 (Payout)", ex.Message);
    }

    [Fact]
    public void Plan_ReleaseWithAmount_Throws()
    {
        var leg = new SettlementLeg(Chain, 1, Bytes32.Zero, Bytes32.Zero,
            [new SettlementAction(ActionKind.Release, Bytes32.FromUInt64(1), Mint, Bytes32.Zero, 5)]);
        Assert.Throws<ArgumentException>(() => LegChunkPlanner.Plan(leg, Escrow, Payer, Attestors, 0, 1_400_000));
    }

    internal static SettlementLeg Leg(int releases, int refunds, int payouts)
    {
        var actions = new List<SettlementAction>();
        for (var i = 0; i < releases; i++)
        {
            actions.Add(new SettlementAction(ActionKind.Release, Bytes32.FromUInt64((ulong)(100 + i)), Mint, Bytes32.Zero, UInt256.Zero));
        }

        for (var i = 0; i < refunds; i++)
        {
            actions.Add(new SettlementAction(ActionKind.Refund, Bytes32.FromUInt64((ulong)(200 + i)), Mint, Bytes32.FromUInt64((ulong)(300 + i)), 10));
        }

        for (var i = 0; i < payouts; i++)
        {
            actions.Add(new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)(400 + i)), Mint, Bytes32.FromUInt64((ulong)(500 + i)), 20));
        }

        actions.Sort(SettlementAction.CompareCanonical);
        return new SettlementLeg(Chain, 9, Bytes32.FromUInt64(3), Bytes32.FromUInt64(4), actions);
    }
}
