using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>Three epoch loops, 2-of-3, each with its own store, agreeing on epochs through their operator messages.</summary>
public sealed class OperatorSetEpochLoopTests
{
    [Fact]
    public async Task Epochs_ThreeNodesTwoOfThree_EveryNodeSettlesTheProposersRoot()
    {
        var cluster = new OperatorCluster(3, 2);
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var records = await Task.WhenAll(cluster.Nodes.Select(n => n.Store.GetAsync(1, CancellationToken.None)));
        Assert.Single(records.Select(r => r!.BatchRoot).Distinct());
        Assert.DoesNotContain("proposed-by:", records[1]!.Trigger, StringComparison.Ordinal); // epoch 1: index 1 (1 mod 3) closes on its own decision
        Assert.All(new[] { records[0], records[2] }, r => Assert.Equal("proposed-by:op-1", r!.Trigger));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        Assert.Empty(cluster.Refusals);
    }

    [Fact]
    public async Task Epochs_ThreeNodesTwoOfThree_OnlyTheProposerReadsTheIntentsOriginStateOnce()
    {
        var cluster = new OperatorCluster(3, 2);
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        // The verifiers poll while they wait for the proposal; none of those polls reads the chain.
        Assert.Equal(1, cluster.EscrowA.StateReads[intent.IntentId]);
    }

    [Fact]
    public async Task Epochs_OneNodeDown_TheOthersSettleAndTheNextProposerTakesTheDownNodesTurn()
    {
        var cluster = new OperatorCluster(3, 2);
        cluster.Nodes[2].Running = false; // epoch 2's proposer (2 mod 3)
        await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(1, 0, 1);
        var second = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(2, 0, 1);

        var records = await Task.WhenAll(cluster.Nodes.Take(2).Select(n => n.Store.GetAsync(2, CancellationToken.None)));
        Assert.Equal(records[0]!.BatchRoot, records[1]!.BatchRoot);
        Assert.Equal("proposed-by:op-0", records[1]!.Trigger); // after the timeout index 0 proposed; index 1 adopted it
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[second.IntentId]);
        Assert.Null(await cluster.Nodes[2].Store.CurrentAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Epochs_LyingProposerAddsAnIntentThatDoesNotExist_HonestNodesRefuseAndTheNextProposersManifestSettles()
    {
        var ghost = Bytes32.FromUInt64(0xDEAD);
        var cluster = new OperatorCluster(3, 2, (index, proposal) => index == 1
            ? proposal with { IntentIds = [.. proposal.IntentIds.Append(ghost).Order()] }
            : proposal);
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 2);

        Assert.Equal(2, cluster.Refusals.Count(r => r.EpochId == 1 && r.ProposerIndex == 1 && r.Fault == ManifestFault.UnknownIntent && r.Subject == ghost.ToString()));
        var honest = await Task.WhenAll(new[] { 0, 2 }.Select(i => cluster.Nodes[i].Store.GetAsync(1, CancellationToken.None)));
        Assert.Equal(honest[0]!.BatchRoot, honest[1]!.BatchRoot);
        Assert.Equal("proposed-by:op-2", honest[0]!.Trigger);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
    }
}
