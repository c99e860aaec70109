using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Operators;
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
        foreach (var node in cluster.Nodes)
        {
            node.Held = true;
        }

        for (var turns = 0; turns < 40 && !await EveryNodeChoseAsync(cluster); turns++)
        {
            await cluster.RunForAsync(TimeSpan.FromSeconds(1));
        }

        var roundZero = new Bytes32[3];
        for (var index = 0; index < 3; index++)
        {
            roundZero[index] = (await cluster.Nodes[index].Store.ChosenRootAsync(1, 0, CancellationToken.None))!.Value;
        }

        Assert.Equal(3, roundZero.Distinct().Count());

        // Every watcher catches up, then what each node published arrives.
        foreach (var node in cluster.Nodes)
        {
            node.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_002, "0x2")));
        }

        await cluster.SeeAsync(intents[1], 1_001, [0]);
        await cluster.SeeAsync(intents[2], 1_002, [0, 1]);
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

        // Round 1's first proposer is op-2; its manifest is the one every node took.
        var roundOne = (await cluster.Nodes[0].Messages.ProposalsAsync(1, CancellationToken.None)).Where(p => p.Round == 1).ToList();
        Assert.Contains(roundOne, p => p.ProposerIndex == 2 && p.BatchRoot == root);

        // Exactly one root at the threshold; nobody signed two roots of one round.
        var heard = await cluster.HeardAttestationsAsync(1);
        var atThreshold = heard.GroupBy(a => (a.BatchRoot, a.ChainId, a.Chunk)).Where(g => g.Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count() >= 2).Select(g => g.Key.BatchRoot).Distinct();
        Assert.Equal([root], atThreshold);
        foreach (var signer in heard.GroupBy(a => a.Signer))
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

    private static async Task<bool> EveryNodeChoseAsync(OperatorCluster cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            if (await node.Store.ChosenRootAsync(1, 0, CancellationToken.None) is null)
            {
                return false;
            }
        }

        return true;
    }
}
