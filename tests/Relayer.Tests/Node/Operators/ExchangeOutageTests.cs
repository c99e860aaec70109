using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// The exchange is down (every publish fails) for longer than two proposal timeouts while epoch 1 is proposed, so
/// every node's turn comes on its own clock (2-of-3). A proposer commits to its root only once its manifest is out.
/// </summary>
public sealed class ExchangeOutageTests
{
    [Fact]
    public async Task Epoch_ExchangeDownThroughEveryNodesTurn_NobodyChoosesARootUntilItIsBackThenOneRootSettlesOnce()
    {
        var cluster = new OperatorCluster(3, 2);
        var intent = await cluster.OpenAsync();
        cluster.ExchangeDown = true;
        await cluster.RunForAsync(OperatorCluster.ProposalTimeout * 5);

        // Each node's turn came and its manifest could not be published: none took an intent or chose a root.
        Assert.Equal([0, 1, 2], cluster.UnpublishedManifests.Distinct().Order());
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(EpochStage.Open, (await node.Store.CurrentAsync(CancellationToken.None))!.Stage);
            Assert.Null(await node.Store.ChosenRootAsync(1, CancellationToken.None));
            Assert.Equal(IntentStage.Open, node.Store.Intent(intent.IntentId).Stage);
        }

        cluster.ExchangeDown = false;
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var root = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(root, (await node.Store.GetAsync(1, CancellationToken.None))!.BatchRoot);
            Assert.Equal(root, await node.Store.ChosenRootAsync(1, CancellationToken.None));
        }

        var heard = await cluster.HeardAttestationsAsync(1);
        Assert.Equal(["op-0", "op-1", "op-2"], heard.Select(a => a.Signer).Distinct().Order());
        Assert.All(heard, a => Assert.Equal(root, a.BatchRoot)); // no signer signed a second root
        var applied = cluster.Chains.Journal.Where(c => c.EpochId == 1).ToList();
        Assert.NotEmpty(applied);
        Assert.All(applied, c => Assert.Equal(root, c.BatchRoot));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
    }
}
