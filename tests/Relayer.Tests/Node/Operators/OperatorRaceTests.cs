using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

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
            await cluster.Nodes[1].DeliverHeldAsync(); // the late manifest changes nothing for those who moved on
        }

        var winning = (await cluster.Nodes[winner].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        var losing = (await cluster.Nodes[loser].Store.ChosenRootAsync(1, CancellationToken.None))!.Value;
        Assert.NotEqual(winning, losing);
        Assert.Equal(winning, (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot);

        // Both manifests were heard by op-0, each signed by its own proposer: it is op-0's single choice that decides.
        var heard = await cluster.Nodes[0].Messages.ProposalsAsync(1, CancellationToken.None);
        Assert.Equal([1, 2], heard.Select(p => p.ProposerIndex).Order());

        // The loser follows: op-1's watcher catches up with block 1,001 (the late intent), so the loser can rebuild the
        // winning batch; it holds M attestations of every chunk, so the loser settles it without signing it and goes on.
        cluster.Nodes[1].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0xb")));
        await cluster.SeeAsync(late, 1_001, [1]);
        var next = await cluster.OpenAsync(block: 1_001);
        await cluster.RunUntilMarginedAsync(2, 0, 1, 2);

        var secondRoots = new HashSet<Bytes32?>();
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal(winning, (await node.Store.GetAsync(1, CancellationToken.None))!.BatchRoot);
            var second = (await node.Store.GetAsync(2, CancellationToken.None))!;
            Assert.Equal(EpochStage.Margined, second.Stage);
            secondRoots.Add(second.BatchRoot);
        }

        Assert.Single(secondRoots);
        Assert.Equal(losing, await cluster.Nodes[loser].Store.ChosenRootAsync(1, CancellationToken.None)); // it never chose a second root
        Assert.Equal([$"op-{loser}"], (await SignersOfRootAsync(cluster, losing)).Order());
        Assert.DoesNotContain($"op-{loser}", await SignersOfRootAsync(cluster, winning));

        var signers = await DistinctSignersPerChunkAsync(cluster);
        Assert.Equal(2, signers.Where(s => s.Key.Root == winning).Min(s => s.Value));
        Assert.Equal(1, signers.Where(s => s.Key.Root == losing).Max(s => s.Value)); // its proposer's own signature only
        Assert.Equal([winning], signers.Where(s => s.Value >= 2).Select(s => s.Key.Root).Distinct());

        var applied = cluster.Chains.Journal.Where(c => c.EpochId == 1).ToList();
        Assert.Contains(applied, c => c.ChainId == NodeWorld.ChainA);
        Assert.Contains(applied, c => c.ChainId == NodeWorld.ChainB);
        Assert.All(applied, c => Assert.Equal(winning, c.BatchRoot));
        foreach (var intent in new[] { early, late, next })
        {
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]); // each paid once: in epoch 1 or, left out of its root, in epoch 2
            Assert.All(cluster.Nodes, n => Assert.Equal(IntentStage.Filled, n.Store.Intent(intent.IntentId).Stage));
        }
    }

    [Fact]
    public async Task Epoch_NodeBackLaterThanTheCloseTolerance_FollowsTheAttestedManifestsWithoutSigningAndReachesTheOthers()
    {
        var cluster = new OperatorCluster(3, 2);
        var paused = cluster.Nodes[2];
        Assert.True(await paused.Loop.StepAsync(CancellationToken.None)); // it opened epoch 1, then its loop stalls
        paused.Stepping = false;

        var first = await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(1, 0, 1);
        var second = await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(2, 0, 1);

        // Back long after both closed: its verifier refuses both manifests (ClosesAtOutOfRange, and its pools moved).
        cluster.Time.Advance(OperatorCluster.ProposalTimeout * 10);
        paused.Stepping = true;
        await cluster.RunUntilMarginedAsync(2, 0, 1, 2);

        for (var epochId = 1UL; epochId <= 2; epochId++)
        {
            var root = (await cluster.Nodes[0].Store.GetAsync(epochId, CancellationToken.None))!.BatchRoot;
            Assert.Equal(root, (await paused.Store.GetAsync(epochId, CancellationToken.None))!.BatchRoot);
            Assert.StartsWith("followed:", (await paused.Store.GetAsync(epochId, CancellationToken.None))!.Trigger, StringComparison.Ordinal);
            Assert.Null(await paused.Store.ChosenRootAsync(epochId, CancellationToken.None)); // it chose (and signed) nothing
            Assert.DoesNotContain("op-2", await SignersOfRootAsync(cluster, root!.Value, epochId));
        }

        // Epochs the escrows already applied are not judged to be signed (so nothing is refused): they are only followed.
        Assert.Empty(cluster.Refusals);
        foreach (var intent in new[] { first, second })
        {
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
            Assert.Equal(IntentStage.Filled, paused.Store.Intent(intent.IntentId).Stage);
        }
    }

    [Fact]
    public async Task Epoch_ProposerWhoseManifestIsRefused_FollowsTheNextProposersRootAndGoesOn()
    {
        // op-1, epoch 1's proposer, holds a deposit the others' watchers never saw: both refuse its manifest, op-2
        // proposes after the timeout and settles with op-0. op-1 chose its own root; it follows op-2's without signing.
        var cluster = new OperatorCluster(3, 2);
        var seenByAll = await cluster.OpenAsync();
        var phantom = await cluster.OpenAsync(seenBy: [1]);
        await cluster.RunUntilMarginedAsync(1, 0, 2);
        Assert.Contains(cluster.Refusals, r => r.EpochId == 1 && r.ProposerIndex == 1 && r.Fault == ManifestFault.UnknownIntent && r.Subject == phantom.IntentId.ToString());

        var next = await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(2, 0, 1, 2);

        var winning = (await cluster.Nodes[2].Store.GetAsync(1, CancellationToken.None))!.BatchRoot;
        var own = await cluster.Nodes[1].Store.ChosenRootAsync(1, CancellationToken.None);
        Assert.NotEqual(winning, own);
        Assert.Equal(winning, (await cluster.Nodes[1].Store.GetAsync(1, CancellationToken.None))!.BatchRoot);
        Assert.DoesNotContain("op-1", await SignersOfRootAsync(cluster, winning!.Value));
        Assert.Equal(EpochStage.Margined, (await cluster.Nodes[1].Store.GetAsync(2, CancellationToken.None))!.Stage);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[seenByAll.IntentId]);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[next.IntentId]);
        Assert.False(cluster.Chains.EscrowB.Payouts.ContainsKey(phantom.IntentId)); // only its one node ever listed it
        Assert.Equal(IntentStage.Open, cluster.Nodes[1].Store.Intent(phantom.IntentId).Stage); // back in its book, not lost
    }

    // Every operator that signed any chunk of the epoch under the root, over every node's store.
    private static async Task<string[]> SignersOfRootAsync(OperatorCluster cluster, Bytes32 root, ulong epochId = 1) =>
        [.. (await cluster.HeardAttestationsAsync(epochId)).Where(a => a.BatchRoot == root).Select(a => a.Signer).Distinct(StringComparer.Ordinal)];

    // Over every node's store: how many distinct operators signed each epoch-1 chunk, per root.
    private static async Task<Dictionary<(Bytes32 Root, ChainId Chain, uint Chunk), int>> DistinctSignersPerChunkAsync(OperatorCluster cluster) =>
        (await cluster.HeardAttestationsAsync(1))
            .GroupBy(a => (a.BatchRoot, a.ChainId, a.Chunk))
            .ToDictionary(g => g.Key, g => g.Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count());
}
