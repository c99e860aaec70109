using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;

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
    public async Task Epochs_PoolsUnknownAtANodesOwnCursors_ItStillAdoptsTheProposersManifestAndSigns()
    {
        // A three-operator campaign: an operator whose watcher lagged a pool change could not decide its own close, and
        // the failed step kept it from judging the others' manifests for minutes. Epoch 1 is operator 1's to propose.
        var cluster = new OperatorCluster(3, 2);
        cluster.Nodes[0].Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainB, [], [], new ChainCursor(1_000, "lagging")));
        cluster.Nodes[0].PoolsUnknownAtCursor = cursor => cursor.Hash == "lagging";
        cluster.Nodes[2].Running = false; // operator 0's signature is needed for 2 of 3
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1);

        var record = await cluster.Nodes[0].Store.GetAsync(1, CancellationToken.None);
        Assert.Equal("proposed-by:op-1", record!.Trigger);
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        Assert.Empty(cluster.Refusals);
        Assert.Single(cluster.Nodes[0].Log.Entries, e => e.EventId == 38);
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
    public async Task Epochs_NodeBackAfterTheOthersSettledItsTurnEpoch_FollowsTheirRootWithoutSigningAndTakesNoLaterIntent()
    {
        var cluster = new OperatorCluster(3, 2);
        await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);
        cluster.Nodes[2].Running = false; // epoch 2's proposer (2 mod 3) is down while the others settle epoch 2
        await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(2, 0, 1);
        var later = await cluster.OpenAsync(block: 2_000); // above epoch 2's cursors (block 1,000): one for epoch 3

        // It comes back alone: its queue brings what it missed of epoch 2 (index 0's manifest, a later turn, and the
        // attestations), while its own turn clock for epoch 2 starts only now: by that clock it is its own turn.
        var late = cluster.Nodes[2];
        late.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(3_000, "0xc"))); // its watcher saw it
        await DeliverWhatItsQueueKeptAsync(cluster.Nodes[1], late, epochId: 2, chunks: 4);

        cluster.Nodes[0].Running = false;
        cluster.Nodes[1].Running = false;
        late.Running = true;
        await cluster.RunUntilMarginedAsync(2, 2);

        var settled = await cluster.Nodes[0].Store.GetAsync(2, CancellationToken.None);
        var caughtUp = await late.Store.GetAsync(2, CancellationToken.None);
        Assert.Equal(settled!.BatchRoot, caughtUp!.BatchRoot);
        Assert.Equal("followed:op-0", caughtUp.Trigger);
        Assert.Null(await late.Store.ChosenRootAsync(2, CancellationToken.None)); // an applied epoch is never signed, only followed
        Assert.Equal(IntentStage.Open, (await late.Store.GetAsync(later.IntentId, CancellationToken.None))!.Stage);
    }

    [Fact]
    public async Task Epochs_FirstProposerBackAfterTheNextOnesManifest_WaitsForItsTurnAndAdoptsItInsteadOfProposingARival()
    {
        var (cluster, first) = await EpochOneClearedWithoutItsFirstProposerAsync();

        // It comes back with a fresh turn clock (by which epoch 1 is its own turn), a book holding an intent above the
        // manifest's cursors, and what its queue kept: index 2's manifest and the two attestations (3-of-3: not applied).
        var later = await cluster.OpenAsync(block: 2_000);
        first.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(3_000, "0xc")));
        await DeliverWhatItsQueueKeptAsync(cluster.Nodes[0], first, epochId: 1, chunks: 1);

        await RunsAndSettlesOpTwosManifestAsync(cluster, first, later);
    }

    // The returning first proposer runs again: every node settles epoch 1 on one root, op-1 took op-2's manifest, and
    // the intent above the manifest's cursors stays in the book.
    private static async Task RunsAndSettlesOpTwosManifestAsync(OperatorCluster cluster, OperatorNode first, Intent later)
    {
        first.Running = true;
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var records = await Task.WhenAll(cluster.Nodes.Select(n => n.Store.GetAsync(1, CancellationToken.None)));
        Assert.Single(records.Select(r => r!.BatchRoot).Distinct());
        Assert.Equal("proposed-by:op-2", records[1]!.Trigger);
        Assert.Equal(IntentStage.Open, (await first.Store.GetAsync(later.IntentId, CancellationToken.None))!.Stage);
    }

    [Fact]
    public async Task Epochs_FirstProposerRestartedBeforeItsQueueDeliversTheNextOnesManifest_ListensFirstAndAdoptsIt()
    {
        var (cluster, first) = await EpochOneClearedWithoutItsFirstProposerAsync();

        // A new process: its first steps run before its queue hands it what the others published while it was down.
        var later = await cluster.OpenAsync(block: 2_000);
        first.Cursors.Accepted(new ChainEventBatch(NodeWorld.ChainA, [], [], new ChainCursor(3_000, "0xc")));
        first.Restart();
        Assert.False(await first.Loop.StepAsync(CancellationToken.None));
        await DeliverWhatItsQueueKeptAsync(cluster.Nodes[0], first, epochId: 1, chunks: 1);

        await RunsAndSettlesOpTwosManifestAsync(cluster, first, later);
    }

    /// <summary>
    /// A 3-of-3 set whose nodes all opened epoch 1; epoch 1's first proposer (index 1) goes down, an intent is opened,
    /// and after a timeout index 2 proposes: operators 0 and 2 clear epoch 1 (it cannot settle without the third).
    /// </summary>
    private static async Task<(OperatorCluster Cluster, OperatorNode First)> EpochOneClearedWithoutItsFirstProposerAsync()
    {
        var cluster = new OperatorCluster(3, 3);
        foreach (var node in cluster.Nodes)
        {
            Assert.True(await node.Loop.StepAsync(CancellationToken.None)); // every node opens epoch 1
        }

        var first = cluster.Nodes[1];
        first.Running = false;
        await cluster.OpenAsync();
        for (var round = 0; !await AllClearedAsync(cluster, 0, 2); round++)
        {
            Assert.True(round < 100, "operators 0 and 2 did not clear epoch 1");
            if (!await cluster.Nodes[0].Loop.StepAsync(CancellationToken.None) | !await cluster.Nodes[2].Loop.StepAsync(CancellationToken.None))
            {
                cluster.Time.Advance(TimeSpan.FromSeconds(1));
            }
        }

        return (cluster, first);
    }

    /// <summary>What a node's durable queue kept while it was away: the epoch's manifests and attestations <paramref name="from"/> holds, on both chains.</summary>
    private static async Task DeliverWhatItsQueueKeptAsync(OperatorNode from, OperatorNode to, ulong epochId, uint chunks)
    {
        foreach (var proposal in await from.Messages.ProposalsAsync(epochId, CancellationToken.None))
        {
            await to.Intake.ProposalAsync(proposal, CancellationToken.None);
        }

        foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
        {
            for (var chunk = 0u; chunk < chunks; chunk++)
            {
                foreach (var attestation in await from.Messages.AttestationsAsync(epochId, chain, chunk, CancellationToken.None))
                {
                    await to.Intake.AttestationAsync(attestation, CancellationToken.None);
                }
            }
        }
    }

    private static async Task<bool> AllClearedAsync(OperatorCluster cluster, params int[] nodes)
    {
        foreach (var index in nodes)
        {
            if (await cluster.Nodes[index].Store.CurrentAsync(CancellationToken.None) is not { Stage: EpochStage.Cleared })
            {
                return false;
            }
        }

        return true;
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

    /// <summary>What a lying proposer (a test double of the proposer step only) changes in its manifest before it seals and signs it.</summary>
    public enum Lie
    {
        DropsAnIntentThatExists,
        InflatesAPool,
        MovesAPriceBeyondTolerance,
    }

    [Theory]
    [InlineData(Lie.DropsAnIntentThatExists)]
    [InlineData(Lie.InflatesAPool)]
    [InlineData(Lie.MovesAPriceBeyondTolerance)]
    public async Task Epochs_LyingProposer_HonestNodesRefuseNamingTheFaultAndTheNextProposersManifestSettles(Lie lie)
    {
        var intents = new Dictionary<Bytes32, Intent>();
        EpochProposed? lying = null;
        var cluster = new OperatorCluster(3, 2, (index, proposal) =>
        {
            if (index != 1)
            {
                return proposal;
            }

            // A self-consistent lie: its hash and root are those of the altered content, and it carries op-1's signature.
            lying = OperatorCluster.Reseal(Alter(proposal, lie, intents.Keys.Min()), intents, 3, 2);
            return lying;
        });
        // Two intents of 60 USDC on a 100 USDC pool: the honest clearing pays one and defers the other, so an
        // inflated pool (both paid) changes the root.
        foreach (var opened in new[] { await cluster.OpenAsync(amount: 60_000_000), await cluster.OpenAsync(amount: 60_000_000) })
        {
            intents[opened.IntentId] = opened;
        }

        await cluster.RunUntilMarginedAsync(1, 0, 2);

        Assert.NotNull(lying);
        var (fault, subject) = lie switch
        {
            Lie.DropsAnIntentThatExists => (ManifestFault.MissingIntent, intents.Keys.Min().ToString()),
            Lie.InflatesAPool => (ManifestFault.PoolMismatch, $"{NodeWorld.ChainB}/{NodeWorld.TokenB}"),
            _ => (ManifestFault.PriceOutsideTolerance, "USDC"),
        };
        var refusals = cluster.Refusals.Where(r => r.ManifestHash == lying.ManifestHash).ToList();
        Assert.Equal(["op-0", "op-2"], refusals.Select(r => r.VerifierId).Order());
        Assert.All(refusals, r => Assert.Equal((fault, subject), (r.Fault, r.Subject)));

        var honest = await Task.WhenAll(new[] { 0, 2 }.Select(i => cluster.Nodes[i].Store.GetAsync(1, CancellationToken.None)));
        var settled = honest[0]!.BatchRoot;
        Assert.Equal(settled, honest[1]!.BatchRoot);
        Assert.Equal("proposed-by:op-2", honest[0]!.Trigger); // op-2 proposed after the timeout; op-0 adopted it
        Assert.Equal(honest[0]!.ManifestHash, honest[1]!.ManifestHash);
        Assert.NotEqual(lying.ManifestHash, honest[0]!.ManifestHash);
        Assert.All(cluster.Chains.Journal.Where(c => c.EpochId == 1), c => Assert.Equal(settled, c.BatchRoot));
        if (lie == Lie.MovesAPriceBeyondTolerance)
        {
            Assert.Equal(lying.BatchRoot, settled); // one asset on both sides: its price moves no amount, only the price check catches it
        }
        else
        {
            Assert.NotEqual(lying.BatchRoot, settled);
        }

        // The deferred intent is paid once the pool is funded (epoch 2 still clears under the cap epoch 1's margin
        // left, epoch 3 under the funded one); each intent exactly once.
        cluster.Chains.EscrowB.Fund(NodeWorld.TokenB, 100_000_000UL);
        await cluster.RunUntilMarginedAsync(3, 0, 2);
        Assert.All(intents.Keys, id => Assert.Equal(1, cluster.Chains.EscrowB.Payouts.GetValueOrDefault(id)));

        // Nobody signed the liar's root: not the honest verifiers, nor the liar itself (it signs its own clearing).
        foreach (var node in cluster.Nodes)
        {
            foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
            {
                for (var chunk = 0u; chunk < 2; chunk++)
                {
                    Assert.DoesNotContain(await node.Messages.AttestationsAsync(1, chain, chunk, CancellationToken.None), a => a.BatchRoot == lying.BatchRoot && a.BatchRoot != settled);
                }
            }
        }
    }

    private static EpochProposed Alter(EpochProposed proposal, Lie lie, Bytes32 existing) => lie switch
    {
        Lie.DropsAnIntentThatExists => proposal with { IntentIds = [.. proposal.IntentIds.Where(id => id != existing)] },
        Lie.InflatesAPool => proposal with { Pools = [.. proposal.Pools.Select(p => p.ChainId == NodeWorld.ChainB ? p with { Balance = p.Balance + 50_000_000UL } : p)] },
        _ => proposal with { Prices = [.. proposal.Prices.Select(p => p with { Price = p.Price + p.Price })] },
    };

    [Fact]
    public async Task Epochs_PoolFundedAboveTheManifestsCursorBeforeTheVerifiersRead_TheyReadItAtTheCursorAndSign()
    {
        OperatorCluster cluster = null!;
        cluster = new OperatorCluster(3, 2, (index, proposal) =>
        {
            // Between the proposer's read and the verifiers': a deposit into pool B lands at a block above the
            // manifest's cursors (1,000); the verifiers read after it.
            cluster.Chains.EscrowB.Height = 1_001;
            cluster.Chains.EscrowB.Fund(NodeWorld.TokenB, 5_000_000UL);
            return proposal;
        });
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        Assert.Empty(cluster.Refusals);
        var records = await Task.WhenAll(cluster.Nodes.Select(n => n.Store.GetAsync(1, CancellationToken.None)));
        Assert.All(new[] { records[0], records[2] }, r => Assert.Equal("proposed-by:op-1", r!.Trigger));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
    }

    [Fact]
    public async Task Epochs_PoisonedManifestsInEveryStore_AreRefusedOrPassedOverAndTheRealOneSettles()
    {
        var ghost = Bytes32.FromUInt64(0xDEAD);
        OperatorCluster cluster = null!;
        cluster = new OperatorCluster(3, 2, (index, proposal) =>
        {
            // Before the real manifest, a publisher on the exchange forges copies: one stating the real hash over other
            // content, one naming another operator at the proposer's index, one with a chain listed twice.
            EpochProposed[] forgeries =
            [
                proposal with { IntentIds = [.. proposal.IntentIds.Append(ghost).Order()] },
                proposal with { ProposerId = "mallory" },
                proposal with { Cursors = [.. proposal.Cursors, proposal.Cursors[0]] },
            ];
            foreach (var forged in forgeries)
            {
                cluster.DeliverAsync(forged).GetAwaiter().GetResult(); // in memory: already complete
            }

            return proposal;
        });
        var intent = await cluster.OpenAsync();
        foreach (var node in cluster.Nodes)
        {
            // Poison already in a store (kept before the intake checked anything): repeated prices used to throw in the loop.
            await node.Messages.SaveProposalAsync(Poison(1, 1), CancellationToken.None);
        }

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        var records = await Task.WhenAll(cluster.Nodes.Select(n => n.Store.GetAsync(1, CancellationToken.None)));
        Assert.Single(records.Select(r => r!.BatchRoot).Distinct());
        Assert.All(new[] { records[0], records[2] }, r => Assert.Equal("proposed-by:op-1", r!.Trigger));
        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        Assert.DoesNotContain(cluster.Refusals, r => r.Fault == ManifestFault.MalformedManifest); // the intake dropped those before the loop saw them
        foreach (var node in cluster.Nodes)
        {
            // Kept: the poison written straight to the store, the forgery stating the real hash and the real one beside it.
            var kept = await node.Messages.ProposalsAsync(1, CancellationToken.None);
            Assert.Equal(2, kept.Count(p => p.ManifestHash == records[1]!.ManifestHash));
            Assert.Contains(kept, p => p.IntentIds.Contains(ghost));
            Assert.DoesNotContain(kept, p => p.ProposerId == "mallory" || p.Cursors.Count > 2);
        }
    }

    [Fact]
    public async Task Epochs_ManifestForgedUnderTheProposersIndexArrivesFirst_IsDroppedAtIntakeAndNobodyVerifiesIt()
    {
        var ghost = Bytes32.FromUInt64(0xDEAD);
        OperatorCluster cluster = null!;
        cluster = new OperatorCluster(3, 2, (index, proposal) =>
        {
            // Operator 2 (or anyone holding a key) publishes a well-formed manifest of its own under operator 1's id
            // and index, signed with its own key, before operator 1's real one.
            var forged = OperatorCluster.Signatures(2, 3, 2)
                .Sign(proposal with { IntentIds = [.. proposal.IntentIds.Append(ghost).Order()], ManifestHash = Bytes32.FromUInt64(0xF0) });
            cluster.DeliverAsync(forged).GetAwaiter().GetResult(); // in memory: already complete
            return proposal;
        });
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        Assert.Empty(cluster.Refusals); // never kept, so never verified nor refused
        foreach (var node in cluster.Nodes)
        {
            var kept = Assert.Single(await node.Messages.ProposalsAsync(1, CancellationToken.None));
            Assert.DoesNotContain(ghost, kept.IntentIds);
        }
    }

    [Fact]
    public async Task Epochs_ForgedAttestationsOfEveryOperatorArriveFirst_ThreeOfThreeStillSettles()
    {
        var cluster = new OperatorCluster(3, 3);
        foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
        {
            for (var i = 0; i < 3; i++)
            {
                await cluster.DeliverAsync(new LegAttested
                {
                    EpochId = 1,
                    ChainId = chain,
                    Chunk = 0,
                    BatchRoot = Bytes32.FromUInt64(1),
                    Digest = Bytes32.FromUInt64(2),
                    Signer = $"op-{i}",
                    Signature = [(byte)((i + 1) % 3)], // another operator's "key": does not verify as op-i
                });
            }
        }

        var intent = await cluster.OpenAsync();
        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        foreach (var node in cluster.Nodes)
        {
            var heard = await node.Messages.AttestationsAsync(1, NodeWorld.ChainB, 0, CancellationToken.None);
            Assert.All(heard, a => Assert.Equal($"op-{a.Signature[0]}", a.Signer));
        }
    }

    [Fact]
    public async Task Epochs_SignerSetRotatesAfterTheFirstAttestation_TheFirstSignerSignsAgainAndThreeOfThreeSettles()
    {
        var cluster = new OperatorCluster(3, 3);
        int? first = null;
        cluster.Attested = index =>
        {
            if (first is null)
            {
                first = index;
                cluster.SignerSetVersion = 1; // the rotation lands right after the first operator signed under version 0
            }
        };
        var intent = await cluster.OpenAsync();

        await cluster.RunUntilMarginedAsync(1, 0, 1, 2);

        Assert.Equal(1, cluster.Chains.EscrowB.Payouts[intent.IntentId]);
        // The first signer's version-0 signature (of the chunk it signed before the rotation) and its version-1
        // signatures are all kept by the others; every chunk holds its version-1 signature.
        var other = cluster.Nodes[(first!.Value + 1) % 3].Messages;
        var versions = new List<ulong>();
        foreach (var chain in new[] { NodeWorld.ChainA, NodeWorld.ChainB })
        {
            var mine = (await other.AttestationsAsync(1, chain, 0, CancellationToken.None)).Where(a => a.Signer == $"op-{first}").Select(a => a.SignerSetVersion).ToList();
            Assert.Contains(1ul, mine);
            versions.AddRange(mine);
        }

        Assert.Contains(0ul, versions);
    }

    private static EpochProposed Poison(ulong epochId, int proposerIndex) => new()
    {
        EpochId = epochId,
        ProposerIndex = proposerIndex,
        ProposerId = $"op-{proposerIndex}",
        ClosesAt = 0,
        FeeBps = 10,
        SpreadBps = 50,
        SettlementMarginSeconds = 60,
        Prices = [new ProposedPrice("USDC", 1, "static", 0), new ProposedPrice("USDC", 2, "static", 0)],
        Cursors = [],
        IntentIds = [],
        Pools = [],
        ManifestHash = Bytes32.FromUInt64(7),
        BatchRoot = Bytes32.FromUInt64(8),
    };
}
