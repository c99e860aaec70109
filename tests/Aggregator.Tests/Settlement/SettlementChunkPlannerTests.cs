using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Settlement;

public class SettlementChunkPlannerTests
{
    private static readonly ChainId[] Chains = [new(1), new(31337), new(900001)];

    private static ChunkLimits LimitsOf(ChainId chainId) => chainId.Value switch
    {
        1 => new ChunkLimits(3, 2),
        31337 => new ChunkLimits(5, 4),
        _ => new ChunkLimits(2, 1),
    };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Plan_RandomBatch_EveryActionInExactlyOneChunkOfItsStageWithinTheLimits(int seed)
    {
        var legs = RandomLegs(seed, out _);

        var chunks = SettlementChunkPlanner.Plan(legs, LimitsOf);

        foreach (var leg in legs)
        {
            var ofLeg = chunks.Where(c => c.ChainId == leg.ChainId).ToArray();
            Assert.Equal(Enumerable.Range(0, ofLeg.Length).Select(i => (uint)i), ofLeg.Select(c => c.Index));
            Assert.Equal(leg.Actions.OrderBy(a => a, Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)),
                ofLeg.SelectMany(c => c.Actions).OrderBy(a => a, Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)));
            foreach (var chunk in ofLeg)
            {
                Assert.NotEmpty(chunk.Actions);
                Assert.Equal(leg.BatchRoot, chunk.BatchRoot);
                if (chunk.Stage == ChunkStage.Release)
                {
                    Assert.All(chunk.Actions, a => Assert.Equal(ActionKind.Release, a.Kind));
                    Assert.InRange(chunk.Actions.Count, 1, LimitsOf(leg.ChainId).MaxReleases);
                }
                else
                {
                    Assert.DoesNotContain(chunk.Actions, a => a.Kind == ActionKind.Release);
                    Assert.Single(chunk.Actions.Select(a => a.Kind).Distinct());
                    Assert.InRange(chunk.Actions.Count, 1, LimitsOf(leg.ChainId).MaxTransfers);
                }
            }

            // Release chunks come first on each chain, so a node can send them all before any transfer.
            var stages = ofLeg.Select(c => c.Stage).ToArray();
            Assert.Equal(stages.OrderBy(s => s), stages);
        }
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Plan_RandomBatch_EachPayoutChunkPaysOnlyIntentsOfTheReleaseChunkItAwaits(int seed)
    {
        var legs = RandomLegs(seed, out var origins);

        var chunks = SettlementChunkPlanner.Plan(legs, LimitsOf);

        var releasedIn = chunks.Where(c => c.Stage == ChunkStage.Release)
            .SelectMany(c => c.Actions.Select(a => (a.IntentId, c.Reference)))
            .ToDictionary(p => p.IntentId, p => p.Reference);
        var payoutChunks = chunks.Where(c => c.Actions[0].Kind == ActionKind.Payout).ToArray();
        Assert.NotEmpty(payoutChunks);
        foreach (var chunk in payoutChunks)
        {
            Assert.NotNull(chunk.AwaitsRelease);
            Assert.All(chunk.Actions, a =>
            {
                Assert.Equal(chunk.AwaitsRelease, releasedIn[a.IntentId]);
                Assert.Equal(origins[a.IntentId], chunk.AwaitsRelease!.Value.ChainId);
            });
        }

        Assert.All(chunks.Where(c => c.Actions[0].Kind != ActionKind.Payout), c => Assert.Null(c.AwaitsRelease));
    }

    [Fact]
    public void Plan_LegsInAnyOrder_SameChunks()
    {
        var legs = RandomLegs(7, out _);

        var forward = SettlementChunkPlanner.Plan(legs, LimitsOf);
        var backward = SettlementChunkPlanner.Plan(legs.Reverse().ToArray(), LimitsOf);

        Assert.Equal(forward.Select(Describe), backward.Select(Describe));
    }

    [Fact]
    public void Plan_PayoutWithoutARelease_ThrowsNamingTheIntent()
    {
        var intent = Bytes32.FromUInt64(42);
        var leg = new SettlementLeg(Chains[0], 3, Bytes32.FromUInt64(1), Bytes32.Zero,
            [new SettlementAction(ActionKind.Payout, intent, Bytes32.FromUInt64(5), Bytes32.FromUInt64(6), 10UL)]);

        var error = Assert.Throws<ArgumentException>(() => SettlementChunkPlanner.Plan([leg], LimitsOf));

        Assert.Contains(intent.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ZeroLimit_ThrowsNamingTheChain()
    {
        var leg = new SettlementLeg(new ChainId(77), 3, Bytes32.FromUInt64(1), Bytes32.Zero,
            [new SettlementAction(ActionKind.Release, Bytes32.FromUInt64(1), Bytes32.FromUInt64(5), Bytes32.Zero, 0UL)]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SettlementChunkPlanner.Plan([leg], _ => new ChunkLimits(0, 1)));

        Assert.Contains("77", error.Message, StringComparison.Ordinal);
    }

    private static string Describe(SettlementChunk c) =>
        $"{c.ChainId}/{c.Index}/{c.Stage}/{c.AwaitsRelease}/{c.ChunkHash()}";

    /// <summary>Intents between three chains, each filled (release + payout) or refunded, plus withdraws; legs canonical.</summary>
    private static SettlementLeg[] RandomLegs(int seed, out Dictionary<Bytes32, ChainId> origins)
    {
        var random = new Random(seed);
        var actions = Chains.ToDictionary(c => c, _ => new List<SettlementAction>());
        origins = [];
        for (var i = 0; i < 60; i++)
        {
            var id = Bytes32.FromUInt64((ulong)random.NextInt64());
            var origin = Chains[random.Next(Chains.Length)];
            var destination = Chains[random.Next(Chains.Length)];
            origins[id] = origin;
            var token = Bytes32.FromUInt64(origin.Value);
            if (random.Next(4) == 0)
            {
                actions[origin].Add(new SettlementAction(ActionKind.Refund, id, token, Bytes32.FromUInt64((ulong)i + 1), (ulong)random.Next(1, 1000)));
                continue;
            }

            actions[origin].Add(new SettlementAction(ActionKind.Release, id, token, Bytes32.Zero, 0UL));
            actions[destination].Add(new SettlementAction(ActionKind.Payout, id, Bytes32.FromUInt64(destination.Value), Bytes32.FromUInt64((ulong)i + 1), (ulong)random.Next(1, 1000)));
        }

        actions[Chains[1]].Add(new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, Bytes32.FromUInt64(9), Bytes32.FromUInt64(10), 5UL));
        actions[Chains[1]].Add(new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, Bytes32.FromUInt64(9), Bytes32.FromUInt64(11), 5UL));
        var root = Bytes32.FromUInt64((ulong)seed);
        return Chains.Select(c => new SettlementLeg(c, 8, root, Bytes32.Zero,
            actions[c].OrderBy(a => a, Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)).ToArray())).ToArray();
    }
}
