using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// The broker takes publishes but confirms none for several proposal timeouts (2-of-3), then confirms every waiting
/// one at once. Each node's watcher stands at another height, so each node's manifest lists other intents and gives
/// another root: had each proposer committed when its publish returned, three roots would split the epoch.
/// </summary>
public sealed class ManifestPublishHangTests
{
    [Fact]
    public async Task Epoch_EveryPublishHangsThroughSeveralTurnsThenReturnsAtOnce_ExactlyOneRootReachesTheThresholdAndSettlesOnce()
    {
        var cluster = new OperatorCluster(3, 2);
        for (var index = 1; index < 3; index++)
        {
            cluster.Nodes[index].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_000 + (ulong)index, $"0x{index}")));
        }

        var intents = new[]
        {
            await cluster.OpenAsync(block: 1_000),
            await cluster.OpenAsync(block: 1_001, seenBy: [1, 2]),
            await cluster.OpenAsync(block: 1_002, seenBy: [2]),
        };
        cluster.PublishesHang = true;
        await cluster.RunForAsync(OperatorCluster.ProposalTimeout * 4);

        // Every node's turn came and its publish hung; each gave up at its bound and committed to nothing.
        Assert.Equal([0, 1, 2], cluster.HungManifests.Distinct().Order());
        Assert.True(cluster.HungManifests.Count >= 4);
        foreach (var node in cluster.Nodes)
        {
            Assert.Null(await node.Store.ChosenRootAsync(1, CancellationToken.None));
        }

        // The broker confirms at once; meanwhile every watcher caught up, so any of the three manifests is verifiable.
        foreach (var node in cluster.Nodes)
        {
            node.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_002, "0x2")));
        }

        await cluster.SeeAsync(intents[1], 1_001, [0]);
        await cluster.SeeAsync(intents[2], 1_002, [0, 1]);
        cluster.HealPublishes();
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var root = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(root, (await node.Store.GetAsync(1, CancellationToken.None))!.BatchRoot);
        }

        var heard = await cluster.HeardAttestationsAsync(1);
        var atThreshold = heard.GroupBy(a => (a.BatchRoot, a.ChainId, a.Chunk)).Where(g => g.Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count() >= 2).Select(g => g.Key.BatchRoot).Distinct();
        Assert.Equal([root], atThreshold);
        foreach (var signer in heard.GroupBy(a => a.Signer))
        {
            Assert.Single(signer.Select(a => a.BatchRoot).Distinct()); // nobody signed two roots
        }

        var applied = cluster.Chains.Journal.Where(c => c.EpochId == 1).ToList();
        Assert.NotEmpty(applied);
        Assert.All(applied, c => Assert.Equal(root, c.BatchRoot));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intents[0].IntentId]);
        Assert.All(cluster.Chains.EscrowB.Payouts.Values, count => Assert.Equal(1, count));
    }
}
