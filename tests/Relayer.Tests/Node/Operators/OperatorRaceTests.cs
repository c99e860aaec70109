using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// Two proposers racing for the same epoch with different cursors (2-of-3): op-1, the epoch's proposer, is slow to
/// reach the exchange, so op-2 proposes after the timeout. op-1's watcher is behind (cursor 1,000, one intent);
/// op-0's and op-2's are ahead (cursor 1,001, a second intent at block 1,001), so the two manifests list other
/// intents and give other roots. Each proposer signs its own root; op-0's one signature decides.
/// </summary>
public sealed class OperatorRaceTests
{
    [Theory]
    [InlineData(false)] // op-1's manifest arrives only after op-0 and op-2 settled op-2's: op-0 signed op-2's root
    [InlineData(true)] // op-1's manifest arrives just before op-2's: op-0 hears both and signs op-1's (the earlier turn)
    public async Task Epoch_TwoProposersWithDifferentCursors_AtMostOneRootReachesTheThresholdAndTheEscrowsApplyOnlyIt(bool bothArriveTogether)
    {
        OperatorCluster cluster = null!;
        cluster = new OperatorCluster(3, 2, (index, proposal) =>
        {
            if (index == 2 && bothArriveTogether)
            {
                cluster.Nodes[1].DeliverHeldAsync().GetAwaiter().GetResult(); // in memory: already complete
            }

            return proposal;
        });
        cluster.Nodes[1].Held = true;
        var early = await cluster.OpenAsync();
        foreach (var ahead in new[] { 0, 2 })
        {
            cluster.Nodes[ahead].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0xb")));
        }

        var late = await cluster.OpenAsync(block: 1_001, seenBy: [0, 2]);

        int winner, loser;
        if (bothArriveTogether)
        {
            (winner, loser) = (1, 2);
            await cluster.RunUntilMarginedAsync(1, 0, 1);
        }
        else
        {
            (winner, loser) = (2, 1);
            await cluster.RunUntilMarginedAsync(1, 0, 2);
            await cluster.Nodes[1].DeliverHeldAsync();
            var next = await cluster.OpenAsync();
            await cluster.RunUntilMarginedAsync(2, 0, 2); // the late manifest changes nothing for those who moved on
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[next.IntentId]);
        }

        var winning = (await cluster.Nodes[winner].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        var losing = (await cluster.Nodes[loser].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        Assert.NotEqual(winning, losing);
        Assert.Equal(winning, (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot);

        // Both manifests were heard by op-0, each signed by its own proposer: it is op-0's single choice that decides.
        var heard = await cluster.Nodes[0].Messages.ProposalsAsync(1, CancellationToken.None);
        Assert.Equal([1, 2], heard.Select(p => p.ProposerIndex).Order());

        var signers = await DistinctSignersPerChunkAsync(cluster);
        Assert.Equal(2, signers.Where(s => s.Key.Root == winning).Min(s => s.Value));
        Assert.Equal(1, signers.Where(s => s.Key.Root == losing).Max(s => s.Value)); // its proposer's own signature only
        Assert.Equal([winning], signers.Where(s => s.Value >= 2).Select(s => s.Key.Root).Distinct());

        var applied = cluster.Chains.Journal.Where(c => c.EpochId == 1).ToList();
        Assert.Contains(applied, c => c.ChainId == NodeWorld.ChainA);
        Assert.Contains(applied, c => c.ChainId == NodeWorld.ChainB);
        Assert.All(applied, c => Assert.Equal(winning, c.BatchRoot));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[early.IntentId]);
        Assert.Equal(bothArriveTogether ? 0 : 1, cluster.Chains.EscrowB.Payouts.GetValueOrDefault(late.IntentId));
    }

    // Over every node's store: how many distinct operators signed each epoch-1 chunk, per root.
    private static async Task<Dictionary<(Bytes32 Root, ChainId Chain, uint Chunk), int>> DistinctSignersPerChunkAsync(OperatorCluster cluster)
    {
        var heard = new List<LegAttested>();
        foreach (var node in cluster.Nodes)
        {
            foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
            {
                for (var chunk = 0u; chunk < 8; chunk++)
                {
                    heard.AddRange(await node.Messages.AttestationsAsync(1, chain, chunk, CancellationToken.None));
                }
            }
        }

        return heard
            .GroupBy(a => (a.BatchRoot, a.ChainId, a.Chunk))
            .ToDictionary(g => g.Key, g => g.Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count());
    }
}
