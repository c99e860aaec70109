using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>A signed manifest whose cursors no node can reach (a height above every watcher, a chain nobody watches) must not stall the epoch.</summary>
public sealed class ManifestStallTests
{
    [Fact]
    public async Task Epoch_ProposerStatesACursorAboveEveryWatcher_TheNextProposerSettles()
    {
        var cluster = new OperatorCluster(3, 2, (index, proposal) => index == 1
            ? proposal with { Cursors = [.. proposal.Cursors.Select(c => c with { Height = ulong.MaxValue })] }
            : proposal);
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 2);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        // Both verifiers waited op-1's turn out, then refused its manifest, naming the cursor and their own height.
        var refusals = cluster.Refusals.Where(r => r.ProposerIndex == 1).ToList();
        Assert.Equal(["op-0", "op-2"], refusals.Select(r => r.VerifierId).Order());
        Assert.All(refusals, r => Assert.Equal((ManifestFault.CursorUnreachable, ulong.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), "1000"), (r.Fault, r.Proposed, r.Observed)));
        Assert.Equal("proposed-by:op-2", (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.Trigger);
    }

    [Fact]
    public async Task Epoch_ProposerNamesAChainNobodyWatches_VerifiersRefuseAndTheNextProposerSettles()
    {
        var cluster = new OperatorCluster(3, 2, (index, proposal) => index == 1
            ? proposal with { Cursors = [.. proposal.Cursors, new ProposedCursor(new ChainId(999_999), 1, "x")] }
            : proposal);
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 2);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        var refusals = cluster.Refusals.Where(r => r.ProposerIndex == 1).ToList();
        Assert.Equal(["op-0", "op-2"], refusals.Select(r => r.VerifierId).Order());
        Assert.All(refusals, r => Assert.Equal((ManifestFault.CursorUnreachable, "cursor/999999", "a chain this node does not settle"), (r.Fault, r.Subject, r.Observed)));
    }

    [Fact]
    public async Task Epoch_OperatorPublishesAnUnreachableManifestBeforeItsTurn_TheHonestProposerSettles()
    {
        // Operator 2's key signs, for epoch 1 (operator 1's turn), a manifest whose cursor no watcher reaches; every
        // node holds it before anyone proposes.
        var cluster = new OperatorCluster(3, 2);
        var intent = await cluster.OpenAsync();
        var stall = new EpochProposed
        {
            EpochId = 1, ProposerIndex = 2, ProposerId = "op-2", ClosesAt = 0, FeeBps = 10, SpreadBps = 50, SettlementMarginSeconds = 60,
            Prices = [], Cursors = [new ProposedCursor(NodeWorld.ChainA, ulong.MaxValue, "0xa")], IntentIds = [], Pools = [],
            ManifestHash = Bytes32.FromUInt64(0xBAD), BatchRoot = Bytes32.FromUInt64(0xBAD),
        };
        await cluster.DeliverAsync(OperatorCluster.Signatures(2, 3, 2).Sign(stall));

        await cluster.RunUntilMarginedAsync(1, 0, 1);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        // op-1 proposed in its own turn (it closed on its own decision) and op-0 adopted its manifest.
        Assert.DoesNotContain("proposed-by:", (await cluster.Nodes[1].Store.GetAsync(1, CancellationToken.None))!.Trigger, StringComparison.Ordinal);
        Assert.Equal("proposed-by:op-1", (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.Trigger);
    }
}
