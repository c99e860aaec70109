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
        var intents = await cluster.OpenAtStaggeredHeightsAsync();
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
        await cluster.CatchUpStaggeredAsync(intents);
        cluster.HealPublishes();
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var root = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        foreach (var node in cluster.Nodes)
        {
            var record = (await node.Store.GetAsync(1, CancellationToken.None))!;
            Assert.Equal((0u, root), (record.Round, record.BatchRoot!.Value)); // no split: round 0 settled, no round was needed
        }

        Assert.Equal([root], await cluster.RootsAtThresholdAsync(1, 2));
        foreach (var signer in (await cluster.HeardAttestationsAsync(1)).GroupBy(a => a.Signer))
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
