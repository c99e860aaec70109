using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// A three-way split (2-of-3): every node's publishes are held back until each has chosen a root of its own (each
/// watcher at another height, so each manifest lists other intents). Once delivered, every node holds the proof that
/// no root of round 0 can reach the threshold; the epoch moves to round 1, whose first proposer is (1 + 0 + 1) mod 3.
/// </summary>
public sealed class RoundTests
{
    [Fact]
    public async Task Epoch_ThreeWaySplit_EndsInRoundOneWithOneRootAtTheThresholdAndSettlesOnce()
    {
        var (cluster, intents) = await SplitThreeWaysAsync();

        var roundZero = new Bytes32[3];
        for (var index = 0; index < 3; index++)
        {
            roundZero[index] = (await cluster.Nodes[index].Store.ChosenRootAsync(1, 0, CancellationToken.None))!.Value;
        }

        Assert.Equal(3, roundZero.Distinct().Count());

        // Every watcher catches up, then what each node published arrives.
        await cluster.CatchUpStaggeredAsync(intents);
        foreach (var node in cluster.Nodes)
        {
            await node.DeliverHeldAsync();
        }

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var settled = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!;
        Assert.Equal(1u, settled.Round);
        var root = settled.BatchRoot!.Value;
        Assert.DoesNotContain(root, roundZero);
        foreach (var node in cluster.Nodes)
        {
            var record = (await node.Store.GetAsync(1, CancellationToken.None))!;
            Assert.Equal(root, record.BatchRoot);
            Assert.Equal(1u, record.Round);
            Assert.Equal(roundZero[node.Index], await node.Store.ChosenRootAsync(1, 0, CancellationToken.None)); // round 0's choice stands
        }

        // Each round's close is a fact of its own for integrators: round 0's id is unchanged.
        Assert.Equal(["epoch-closed:1", "epoch-closed:1:round-1"], cluster.Nodes[0].Events.All.OfType<EpochClosed>().Select(e => e.EventId));

        // Round 1's first proposer is op-2; its manifest is the one every node took.
        var roundOne = (await cluster.Nodes[0].Messages.ProposalsAsync(1, CancellationToken.None)).Where(p => p.Round == 1).ToList();
        Assert.Contains(roundOne, p => p.ProposerIndex == 2 && p.BatchRoot == root);

        // Exactly one root at the threshold; nobody signed two roots of one round.
        Assert.Equal([root], await cluster.RootsAtThresholdAsync(1, 2));
        foreach (var signer in (await cluster.HeardAttestationsAsync(1)).GroupBy(a => a.Signer))
        {
            var index = int.Parse(signer.Key["op-".Length..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(new[] { roundZero[index], root }.Order(), signer.Select(a => a.BatchRoot).Distinct().Order());
        }

        var applied = cluster.Chains.Journal.Where(c => c.EpochId == 1).ToList();
        Assert.NotEmpty(applied);
        Assert.All(applied, c => Assert.Equal(root, c.BatchRoot));
        foreach (var intent in intents)
        {
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]); // round 1's manifest lists all three
            Assert.All(cluster.Nodes, n => Assert.Equal(IntentStage.Filled, n.Store.Intent(intent.IntentId).Stage));
        }
    }

    /// <summary>
    /// The same three-way split, but op-2 never hears op-1's round-0 attestations (the exchange delivered them to the
    /// others only): op-2 alone cannot prove that op-1's root is dead (op-1 is unseen to it, and could lift its root
    /// to 2 of 3). The nodes that moved republish the attestations that proved it, so op-2 learns the same proof, moves
    /// to round 1 too and settles the epoch with the others instead of staying in round 0 for good.
    /// </summary>
    [Fact]
    public async Task Epoch_ThreeWaySplitWithOneAttestationNotDeliveredToOneNode_TheProofIsRepublishedAndEveryNodeSettlesRoundOne()
    {
        var (cluster, intents) = await SplitThreeWaysAsync();

        await cluster.CatchUpStaggeredAsync(intents);
        cluster.Undeliverable = (receiver, message) => receiver == 2 && message is Core.Messages.LegAttested { Signer: "op-1" };
        foreach (var node in cluster.Nodes)
        {
            await node.DeliverHeldAsync();
        }

        cluster.Undeliverable = null;
        Assert.DoesNotContain(await cluster.Nodes[2].Messages.AttestationsAsync(1, NodeWorld.ChainA, 0, CancellationToken.None), a => a.Signer == "op-1");

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var root = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        foreach (var node in cluster.Nodes)
        {
            var record = (await node.Store.GetAsync(1, CancellationToken.None))!;
            Assert.Equal((1u, root), (record.Round, record.BatchRoot!.Value));
        }

        Assert.NotEmpty(cluster.Nodes[2].Log.Messages(34)); // op-2 moved on the republished proof
        Assert.Equal([root], await cluster.RootsAtThresholdAsync(1, 2));
        foreach (var intent in intents)
        {
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        }
    }

    [Fact]
    public async Task Epoch_SplitWhileAnOperatorIsNotYetHeardFrom_StaysInRoundZeroAndSettlesTheRootItSigns()
    {
        // op-2 is paused (it hears, but neither steps nor signs); op-1 (the proposer) and op-0 each chose a root of
        // their own. op-2 could still lift either to 2 of 3: the round must not be abandoned.
        var cluster = new OperatorCluster(3, 2);
        cluster.Nodes[1].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0x1")));
        cluster.Nodes[2].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0x1")));
        var first = await cluster.OpenAsync(block: 1_000);
        var second = await cluster.OpenAsync(block: 1_001, seenBy: [1, 2]);
        var paused = cluster.Nodes[2];
        paused.Stepping = false;
        cluster.Nodes[0].Held = true;
        cluster.Nodes[1].Held = true;
        for (var turns = 0; turns < 40 && !await EveryNodeChoseAsync(cluster, 0, 1); turns++)
        {
            await cluster.RunForAsync(TimeSpan.FromSeconds(1));
        }

        var ownRoots = new[] { await cluster.Nodes[0].Store.ChosenRootAsync(1, 0, CancellationToken.None), await cluster.Nodes[1].Store.ChosenRootAsync(1, 0, CancellationToken.None) };
        Assert.NotEqual(ownRoots[0], ownRoots[1]);
        await cluster.Nodes[0].DeliverHeldAsync();
        await cluster.Nodes[1].DeliverHeldAsync();
        await cluster.RunForAsync(OperatorCluster.ProposalTimeout * 6);

        foreach (var index in new[] { 0, 1 })
        {
            var record = (await cluster.Nodes[index].Store.GetAsync(1, CancellationToken.None))!;
            Assert.Equal((0u, EpochStage.Cleared), (record.Round, record.Stage));
            Assert.Empty(cluster.Nodes[index].Log.Messages(34)); // never moved to another round
        }

        // op-0's watcher catches up and op-2 resumes: it signs op-1's root (op-1's manifest is past its close tolerance
        // by now, so through its own manifest of the same batch), which reaches 2 of 3; op-0 follows it.
        cluster.Nodes[0].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0x1")));
        await cluster.SeeAsync(second, 1_001, [0]);
        paused.Stepping = true;
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);
        foreach (var node in cluster.Nodes)
        {
            var record = (await node.Store.GetAsync(1, CancellationToken.None))!;
            Assert.Equal((0u, ownRoots[1]), (record.Round, record.BatchRoot));
        }

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[first.IntentId]);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[second.IntentId]);
    }

    [Fact]
    public async Task FollowAtClose_CrashAfterTakingALaterRoundsRoot_RecordIsInThatRoundAndEveryIntentEndsOnce()
    {
        // 3-of-5: op-4 opens epoch 1 and goes away (it hears nothing); op-0 to op-3 each choose a root of their own, and
        // with op-4 unseen (1 + 1 < 3) move to round 1, whose root reaches the threshold and settles.
        var cluster = new OperatorCluster(5, 3);
        var intents = await cluster.OpenAtStaggeredHeightsAsync();
        var away = cluster.Nodes[4];
        Assert.True(await away.Loop.StepAsync(CancellationToken.None));
        Assert.Equal(EpochStage.Open, (await away.Store.GetAsync(1, CancellationToken.None))?.Stage);
        away.Running = false;
        int[] present = [0, 1, 2, 3];
        foreach (var index in present)
        {
            cluster.Nodes[index].Held = true;
        }

        for (var turns = 0; turns < 60 && !await EveryNodeChoseAsync(cluster, present); turns++)
        {
            await cluster.RunForAsync(TimeSpan.FromSeconds(1));
        }

        await cluster.CatchUpStaggeredAsync(intents);
        foreach (var index in present)
        {
            await cluster.Nodes[index].DeliverHeldAsync();
        }

        await cluster.RunUntilMarginedAsync(1, present);
        var root = (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.BatchRoot!.Value;
        Assert.Equal(1u, (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.Round);

        // op-4 comes back, Open in round 0, and hears round 1's manifest and attestations: it follows that root at
        // close and crashes right after taking its intents.
        away.Running = true;
        foreach (var proposal in (await cluster.Nodes[0].Messages.ProposalsAsync(1, CancellationToken.None)).Where(p => p.Round == 1))
        {
            await away.Intake.ProposalAsync(proposal, CancellationToken.None);
        }

        foreach (var attestation in (await cluster.HeardAttestationsAsync(1)).Where(a => a.BatchRoot == root))
        {
            await away.Intake.AttestationAsync(attestation, CancellationToken.None);
        }

        away.CrashPoints = new CrashingAt(CrashPoint.AfterTake);
        away.Restart();
        var crashed = false;
        for (var step = 0; step < 30 && !crashed; step++)
        {
            try
            {
                if (!await away.Loop.StepAsync(CancellationToken.None))
                {
                    cluster.Time.Advance(TimeSpan.FromSeconds(1));
                }
            }
            catch (SimulatedCrashException)
            {
                crashed = true;
            }
        }

        Assert.True(crashed);
        var afterCrash = (await away.Store.GetAsync(1, CancellationToken.None))!;
        Assert.Equal((EpochStage.Open, 1u), (afterCrash.Stage, afterCrash.Round));

        away.CrashPoints = null;
        away.Restart();
        await cluster.RunUntilMarginedAsync(1, 4);
        var record = (await away.Store.GetAsync(1, CancellationToken.None))!;
        Assert.Equal((1u, root), (record.Round, record.BatchRoot));
        Assert.StartsWith("followed:", record.Trigger, StringComparison.Ordinal);
        foreach (var intent in intents)
        {
            Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
            Assert.Equal(IntentStage.Filled, away.Store.Intent(intent.IntentId).Stage);
        }
    }

    // Three nodes, each watcher at another height, whose publishes are held back until each chose a root of its own.
    private static async Task<(OperatorCluster Cluster, Intent[] Intents)> SplitThreeWaysAsync()
    {
        var cluster = new OperatorCluster(3, 2);
        var intents = await cluster.OpenAtStaggeredHeightsAsync();
        foreach (var node in cluster.Nodes)
        {
            node.Held = true;
        }

        for (var turns = 0; turns < 40 && !await EveryNodeChoseAsync(cluster); turns++)
        {
            await cluster.RunForAsync(TimeSpan.FromSeconds(1));
        }

        return (cluster, intents);
    }

    private static async Task<bool> EveryNodeChoseAsync(OperatorCluster cluster, params int[] indices)
    {
        foreach (var node in indices.Length == 0 ? cluster.Nodes : [.. indices.Select(i => cluster.Nodes[i])])
        {
            if (await node.Store.ChosenRootAsync(1, 0, CancellationToken.None) is null)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>A crash point that throws the first time the loop passes <paramref name="point"/> (the in-process "kill").</summary>
internal sealed class CrashingAt(CrashPoint point) : ICrashPoints
{
    private bool _crashed;

    public void Reached(CrashPoint reached, ulong epochId)
    {
        if (reached == point && !_crashed)
        {
            _crashed = true;
            throw new SimulatedCrashException($"crash at {point} in epoch {epochId}");
        }
    }
}

internal sealed class SimulatedCrashException(string message) : Exception(message);
