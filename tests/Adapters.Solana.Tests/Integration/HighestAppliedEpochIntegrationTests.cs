using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>The escrow state's highest applied epoch, read from the program's receipt accounts on the real dev node.</summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class HighestAppliedEpochIntegrationTests(DevnodeFixture node)
{
    [Fact]
    public async Task HighestAppliedEpoch_LegAppliedAboveEveryEarlierEpoch_ReportsItsEpochNotPoolsOrIntents()
    {
        var state = new EscrowState(node.Rpc, node.Options());
        var before = await state.HighestAppliedEpochAsync(default);
        var epoch = before + 1_000;

        // The leg opens intents and funds the pool too: their accounts (pool: also 96 bytes) must not count.
        var scenario = await LegScenario.CreateAsync(node, "highest-applied", epoch, releases: 1, refunds: 1, payouts: 1);
        var submitter = new ChunkSubmitter(node.Rpc, node.Options(), new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]);
        Assert.All(await LegScenario.SubmitLegAsync(submitter, scenario.Leg), c => Assert.Equal(ChunkSubmissionOutcome.Applied, c.Outcome));

        Assert.Equal(epoch, await state.HighestAppliedEpochAsync(default));
    }
}
