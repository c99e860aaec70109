using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

/// <summary>
/// Rounds against a false signer (an attacker's probes, issue 12): 3-of-4 (M = floor(2N/3) + 1, so the set claims
/// safety with N − M = 1 operator signing falsely), and malformed or far-ahead messages on the bus.
/// </summary>
public sealed class FalseSignerRoundTests
{
    // op-0, op-1 honest at block 1001 (see both intents); op-2 honest at 1000 (sees only the first); op-3 is the
    // malicious operator: its loop never steps, its "signatures" are forged by the test (it holds its own key).
    private static async Task<(OperatorCluster Cluster, Bytes32 R1, Bytes32 R2, Intent First, Intent Second)> SplitAsync()
    {
        var cluster = new OperatorCluster(4, 3);
        foreach (var i in new[] { 0, 1, 3 })
        {
            cluster.Nodes[i].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0x1")));
        }

        var first = await cluster.OpenAsync(block: 1_000);
        var second = await cluster.OpenAsync(block: 1_001, seenBy: [0, 1, 3]);
        cluster.Nodes[3].Stepping = false;
        for (var t = 0; t < 60 && !await ChoseAsync(cluster, 0, 1, 2); t++)
        {
            await cluster.RunForAsync(TimeSpan.FromSeconds(1));
        }

        await cluster.RunForAsync(TimeSpan.FromSeconds(3));
        var r1 = (await cluster.Nodes[0].Store.ChosenRootAsync(1, 0, CancellationToken.None))!.Value;
        Assert.Equal(r1, await cluster.Nodes[1].Store.ChosenRootAsync(1, 0, CancellationToken.None));
        var r2 = (await cluster.Nodes[2].Store.ChosenRootAsync(1, 0, CancellationToken.None))!.Value;
        Assert.NotEqual(r1, r2);
        return (cluster, r1, r2, first, second);
    }

    // op-3's attestation of every chunk of root, copied from an honest signer's (the digest is the chunk's, not the signer's).
    private static async Task<List<LegAttested>> ForgeAsync(OperatorCluster cluster, Bytes32 root, string copyOf) =>
        [.. (await cluster.HeardAttestationsAsync(1)).Where(a => a.BatchRoot == root && a.Signer == copyOf)
            .DistinctBy(a => (a.ChainId, a.Chunk)).Select(a => a with { Signer = "op-3", Signature = [3] })];

    /// <summary>
    /// The false signer signs R2 first: every operator is seen (R1 = {0, 1}, R2 = {2, 3}). Counting only what was seen,
    /// no root could reach 3 and the honest nodes would move to round 1 and settle it; op-3's later signature on R1 would
    /// then lift a second root of the epoch to 3 of 4. The set claims to tolerate N − M = 1 false signer, so the rule
    /// counts one: R1 could still reach 2 + 1 = 3. Nobody moves, and op-3's signature on R1 makes R1 the one root.
    /// </summary>
    [Fact]
    public async Task FalseSignerSignsOneRootThenTheOther_HonestNodesStayInRoundZero_AndOnlyOneRootReachesTheThreshold()
    {
        var (cluster, r1, r2, _, second) = await SplitAsync();
        foreach (var a in await ForgeAsync(cluster, r2, "op-2"))
        {
            await cluster.DeliverAsync(a);
        }

        cluster.Nodes[2].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(1_001, "0x1")));
        await cluster.SeeAsync(second, 1_001, [2]);
        await cluster.RunForAsync(OperatorCluster.ProposalTimeout * 10);
        foreach (var index in new[] { 0, 1, 2 })
        {
            Assert.Equal(0u, (await cluster.Nodes[index].Store.GetAsync(1, CancellationToken.None))!.Round);
            Assert.Empty(cluster.Nodes[index].Log.Messages(34));
        }

        foreach (var a in await ForgeAsync(cluster, r1, "op-1"))
        {
            await cluster.DeliverAsync(a);
        }

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);
        Assert.Equal([r1], await cluster.RootsAtThresholdAsync(1, 3));
        Assert.All(cluster.Chains.Journal.Where(c => c.EpochId == 1), c => Assert.Equal(r1, c.BatchRoot));
    }

    [Fact]
    public async Task Bus_MalformedAndFarAheadRoundManifests_NoCrashAndTheEpochSettlesInRoundZero()
    {
        var cluster = new OperatorCluster(3, 2);
        var intent = await cluster.OpenAsync();
        var junk = new EpochProposed
        {
            EpochId = 1, ProposerIndex = 2, ProposerId = "op-2", ClosesAt = 0, FeeBps = 10, SpreadBps = 50, SettlementMarginSeconds = 60,
            Prices = [], Cursors = [new ProposedCursor(NodeWorld.ChainA, 1, "0xa")], IntentIds = [], Pools = [],
            ManifestHash = Bytes32.FromUInt64(0xBAD), BatchRoot = Bytes32.FromUInt64(0xBAD), Round = uint.MaxValue,
        };
        // Signed by a real operator (malicious op-2): rounds uint.MaxValue, 5 and 1 for epoch 1; and unsigned junk.
        foreach (var round in new[] { uint.MaxValue, 5u, 1u })
        {
            await cluster.DeliverAsync(OperatorCluster.Signatures(2, 3, 2).Sign(junk with { Round = round }));
        }

        await cluster.DeliverAsync(junk with { Cursors = null!, IntentIds = null!, ProposerId = null! });
        await cluster.DeliverAsync(junk with { ProposerIndex = int.MinValue });
        await cluster.DeliverAsync(new LegAttested { EpochId = 1, ChainId = NodeWorld.ChainA, Chunk = uint.MaxValue, BatchRoot = default, Digest = default, Signer = null!, Signature = null!, SignerSetVersion = 0 });
        await cluster.DeliverAsync(new LegAttested { EpochId = ulong.MaxValue, ChainId = NodeWorld.ChainA, Chunk = uint.MaxValue, BatchRoot = default, Digest = default, Signer = "op-2", Signature = [2], SignerSetVersion = ulong.MaxValue });

        await cluster.RunUntilMarginedAsync(1, 0, 1);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        Assert.Equal(0u, (await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None))!.Round);
    }

    private static async Task<bool> ChoseAsync(OperatorCluster cluster, params int[] indices)
    {
        foreach (var i in indices)
        {
            if (await cluster.Nodes[i].Store.ChosenRootAsync(1, 0, CancellationToken.None) is null)
            {
                return false;
            }
        }

        return true;
    }
}
