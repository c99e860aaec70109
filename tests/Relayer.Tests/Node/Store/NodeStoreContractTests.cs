using System.Text;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Node.Store;

/// <summary>The embedded server passes the store contract.</summary>
public sealed class GarnetNodeStoreContractTests(EmbeddedGarnetFixture server)
    : NodeStoreContractTests(server), IClassFixture<EmbeddedGarnetFixture>;

/// <summary>A real Redis passes the same store contract.</summary>
public sealed class RedisNodeStoreContractTests(RedisServerFixture server)
    : NodeStoreContractTests(server), IClassFixture<RedisServerFixture>;

/// <summary>
/// The node store contract (intents, epochs, event log, lease and fencing), run unchanged against the embedded server
/// and a real Redis. Each test has its own key prefix on the shared server.
/// </summary>
public abstract class NodeStoreContractTests : IAsyncDisposable
{
    private static readonly TimeSpan ServerWait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(5);
    private readonly IStoreServerFixture _server;
    private readonly NodeStoreConnection _connection;
    private readonly RedisIntentStore _intents;
    private readonly RedisEpochStore _epochs;
    private readonly RedisEventLog _events;
    private readonly RedisNodeLease _lease;

    protected NodeStoreContractTests(IStoreServerFixture server)
    {
        _server = server;
        _connection = Connect(server, $"test-{Guid.NewGuid():N}:");
        _intents = new RedisIntentStore(_connection);
        _epochs = new RedisEpochStore(_connection);
        _events = new RedisEventLog(_connection);
        _lease = new RedisNodeLease(_connection);
    }

    public async ValueTask DisposeAsync()
    {
        _events.Dispose();
        await _connection.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task OperatorMessages_ForgeryOfTheSameHashOrSigner_IsKeptBesideTheRealOneAndRedeliveryIsNot()
    {
        var messages = new RedisOperatorMessageStore(_connection);
        var real = new EpochProposed
        {
            EpochId = 4, ProposerIndex = 1, ProposerId = "op-1", ClosesAt = 100, FeeBps = 1, SpreadBps = 2, SettlementMarginSeconds = 3,
            Prices = [], Cursors = [], IntentIds = [Bytes32.FromUInt64(1)], Pools = [], ManifestHash = Bytes32.FromUInt64(9), BatchRoot = Bytes32.FromUInt64(8),
        };
        var forged = real with { IntentIds = [Bytes32.FromUInt64(1), Bytes32.FromUInt64(0xDEAD)] }; // states the real hash
        var signed = new LegAttested { EpochId = 4, ChainId = new ChainId(5), Chunk = 0, BatchRoot = real.BatchRoot, Digest = Bytes32.FromUInt64(20), Signer = "0xAbC", Signature = [1] };
        var resigned = signed with { Digest = Bytes32.FromUInt64(21), SignerSetVersion = 1 };

        await messages.SaveProposalAsync(forged, CancellationToken.None);
        await messages.SaveProposalAsync(real, CancellationToken.None);
        await messages.SaveProposalAsync(real, CancellationToken.None);
        await messages.SaveAttestationAsync(signed, CancellationToken.None);
        await messages.SaveAttestationAsync(signed with { Signature = [2] }, CancellationToken.None);
        await messages.SaveAttestationAsync(resigned, CancellationToken.None);

        var proposals = await messages.ProposalsAsync(4, CancellationToken.None);
        Assert.Equal(2, proposals.Count);
        Assert.Contains(proposals, p => p.IntentIds.Count == 1);
        var attestations = await messages.AttestationsAsync(4, new ChainId(5), 0, CancellationToken.None);
        Assert.Equal([(Bytes32.FromUInt64(20), (byte)1), (Bytes32.FromUInt64(21), (byte)1)], attestations.Select(a => (a.Digest, a.Signature[0])).OrderBy(a => a.Digest.ToString(), StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddAsync_Redelivery_ChangesNothing()
    {
        var observed = Observed(7);

        Assert.True(await _intents.AddAsync(observed, default));
        Assert.False(await _intents.AddAsync(observed with { RecoveredBecause = "redelivered" }, default));

        var stored = await _intents.GetAsync(observed.Intent.IntentId, default);
        Assert.NotNull(stored);
        Assert.Equal(observed, stored.Observed);
        Assert.Equal(IntentStage.Open, stored.Stage);
        Assert.Null(stored.EpochId);
        Assert.Equal(0, stored.TimesDeferred);
        Assert.Equal(1, stored.ArrivalSequence);
        Assert.Equal(1, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task RetractAsync_OpenIntent_RetractsOnceAndLeavesOpen()
    {
        var observed = Observed(1);
        await _intents.AddAsync(observed, default);

        Assert.True(await _intents.RetractAsync(Retracted(observed), default));
        Assert.False(await _intents.RetractAsync(Retracted(observed), default));

        Assert.Equal(IntentStage.Retracted, (await _intents.GetAsync(observed.Intent.IntentId, default))!.Stage);
        Assert.Empty(await _intents.OpenAsync(default));
        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task AddAsync_RetractedIntentObservedAgain_IsOpenAgainWithTheNewObservation()
    {
        var observed = Observed(40);
        var again = ObservedAgain(observed);
        await _intents.AddAsync(observed, default);
        await _intents.RetractAsync(Retracted(observed), default);

        Assert.True(await _intents.AddAsync(again, default));
        Assert.False(await _intents.AddAsync(again, default)); // redelivered

        var stored = (await _intents.GetAsync(observed.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.Open, (ulong?)null, again), (stored.Stage, stored.EpochId, stored.Observed));
        Assert.Equal([observed.Intent.IntentId], (await _intents.OpenAsync(default)).Select(i => i.Observed.Intent.IntentId));
        Assert.Equal(1, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task RetractAsync_NamingAnotherBlockThanTheStoredObservation_LeavesTheIntentOpen()
    {
        var observed = Observed(41);
        await _intents.AddAsync(observed, default);

        Assert.False(await _intents.RetractAsync(Retracted(observed) with { BlockHash = "0x02" }, default));
        Assert.Equal(IntentStage.Open, (await _intents.GetAsync(observed.Intent.IntentId, default))!.Stage);

        Assert.True(await _intents.RetractAsync(Retracted(observed) with { BlockHash = observed.Position.BlockHash }, default));
        Assert.Equal(IntentStage.Retracted, (await _intents.GetAsync(observed.Intent.IntentId, default))!.Stage);
    }

    [Fact]
    public async Task AddAsync_OpenIntentSeenInAnotherBlock_TakesTheNewObservationAndTheOldBlocksLateRetractionChangesNothing()
    {
        // A deep reorganisation: the watcher retracts the intent of the lost block, the operator clears its checkpoint,
        // the watcher sees the same deposit in the new fork. Intake consumers run concurrently, so the retraction of
        // the lost block may be consumed after the new observation; it must not retract the intent seen again.
        var observed = Observed(42);
        var again = ObservedAgain(observed);
        await _intents.AddAsync(observed, default);

        Assert.False(await _intents.AddAsync(again, default)); // not new: the same intent, Open already
        Assert.False(await _intents.RetractAsync(Retracted(observed) with { BlockHash = observed.Position.BlockHash }, default));

        var stored = (await _intents.GetAsync(observed.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.Open, again, 1L), (stored.Stage, stored.Observed, stored.ArrivalSequence));
        Assert.Equal(1, await _intents.OpenCountAsync(default));
        Assert.False(await _intents.AddAsync(observed with { Position = observed.Position with { TransactionId = string.Empty } }, default));
        Assert.Equal(again, (await _intents.GetAsync(observed.Intent.IntentId, default))!.Observed); // a recovery without an event does not replace it
    }

    // The watcher numbers its reports (ReportSequence); the intake consumers run concurrently and retry, so any of
    // them may be consumed late. Obs(X) n: the deposit observed in block X as report n; Ret(X) n: X reorganised out.

    [Fact]
    public async Task Reorganisation_ObservationRetractionAndTheNewForksObservationInAnyOrder_EndOpenInTheNewFork()
    {
        string[][] orders = [["ox", "rx", "oy"], ["ox", "oy", "rx"], ["rx", "ox", "oy"], ["rx", "oy", "ox"], ["oy", "ox", "rx"], ["oy", "rx", "ox"]];
        for (var i = 0; i < orders.Length; i++)
        {
            var inX = Observed((byte)(180 + i)) with { ReportSequence = 1 };
            var inY = ObservedAgain(inX) with { ReportSequence = 3 };
            var retry = new List<IntentRetracted>();
            foreach (var message in orders[i])
            {
                await (message switch
                {
                    "ox" => _intents.AddAsync(inX, default),
                    "oy" => _intents.AddAsync(inY, default),
                    _ => RetractOrRetryAsync(RetractionOf(inX, 2), retry),
                });
            }

            foreach (var retraction in retry)
            {
                await _intents.RetractAsync(retraction, default); // the consumer retries a retraction of an intent not stored yet
            }

            var stored = (await _intents.GetAsync(inX.Intent.IntentId, default))!;
            Assert.True((IntentStage.Open, inY) == (stored.Stage, stored.Observed), $"order {string.Join(", ", orders[i])}: {stored.Stage} from block {stored.Observed.Position.BlockHash}");
            await AssertNeverOpenUnlistedAsync(inX.Intent.IntentId);
        }
    }

    [Fact]
    public async Task Reorganisation_BackToTheOriginalBlock_TheFirstRetractionConsumedLast_LeavesTheIntentOpen()
    {
        // A -> B -> A: Obs(A) 1, Ret(A) 2 (held by a retry), Obs(B) 3, Ret(B) 4, Obs(A) 5, then Ret(A) 2 and Obs(B) 3 again.
        var inA = Observed(190) with { ReportSequence = 1 };
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        await _intents.AddAsync(inA, default);
        await _intents.AddAsync(inB, default);
        Assert.True(await _intents.RetractAsync(RetractionOf(inB, 4), default));
        Assert.True(await _intents.AddAsync(inA with { ReportSequence = 5 }, default));

        Assert.False(await _intents.RetractAsync(RetractionOf(inA, 2), default));
        Assert.False(await _intents.AddAsync(inB, default));

        var stored = (await _intents.GetAsync(inA.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.Open, inA with { ReportSequence = 5 }), (stored.Stage, stored.Observed));
    }

    [Fact]
    public async Task Reorganisation_TheOldForksObservationRetriedAfterTheNewForks_ChangesNothing()
    {
        var inA = Observed(191) with { ReportSequence = 1 };
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        await _intents.AddAsync(inA, default);
        await _intents.RetractAsync(RetractionOf(inA, 2), default);
        Assert.True(await _intents.AddAsync(inB, default));

        Assert.False(await _intents.AddAsync(inA, default)); // its consume retried after a storage fault

        Assert.Equal(inB, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Observed);
        Assert.True(await _intents.RetractAsync(RetractionOf(inB, 4), default));
    }

    [Fact]
    public async Task Reorganisation_ObservationRedeliveredAfterItsRetraction_StaysRetracted()
    {
        var inA = Observed(192) with { ReportSequence = 1 };
        await _intents.AddAsync(inA, default);
        await _intents.RetractAsync(RetractionOf(inA, 2), default);

        Assert.False(await _intents.AddAsync(inA, default));

        Assert.Equal(IntentStage.Retracted, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage);
        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task Reorganisation_SeenInTheNewForkWhileInAnEpochThenDeferred_TheNewForksRetractionStillRetracts()
    {
        var inA = Observed(193) with { ReportSequence = 1 };
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        await _intents.AddAsync(inA, default);
        var fence = await AcquireAsync("node-a");
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 3, false)], fence, default);
        Assert.False(await _intents.RetractAsync(RetractionOf(inA, 2), default)); // too late: an epoch holds it
        await _intents.AddAsync(inB, default);
        Assert.Equal(inA, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Observed); // the epoch's observation stays
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.Open, null, true)], fence, default);

        Assert.False(await _intents.RetractAsync(RetractionOf(inA, 2), default)); // redelivered: older than Obs(B)
        Assert.True(await _intents.RetractAsync(RetractionOf(inB, 4), default));
    }

    [Fact]
    public async Task Reorganisation_RetractedWhileInAnEpochThenReturnedToTheBook_EndsRetracted()
    {
        // The deposit left the chain while an epoch held it: the retraction is kept, and applied when the epoch
        // returns the intent (deferred, or its round moved on) instead of listing a deposit that is gone as Open.
        var inA = Observed(194) with { ReportSequence = 1 };
        await _intents.AddAsync(inA, default);
        var fence = await AcquireAsync("node-a");
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 3, false)], fence, default);

        Assert.False(await _intents.RetractAsync(RetractionOf(inA, 2), default));
        var held = (await _intents.GetAsync(inA.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.InEpoch, true), (held.Stage, held.RetractionHeld));
        Assert.False(await _intents.AddAsync(inA, default)); // its observation redelivered: older, changes nothing
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.Open, null, true)], fence, default);

        var stored = (await _intents.GetAsync(inA.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.Retracted, false), (stored.Stage, stored.RetractionHeld));
        Assert.Equal(0, await _intents.OpenCountAsync(default));
        Assert.DoesNotContain(await _intents.OpenAsync(default), i => i.Observed.Intent.IntentId == inA.Intent.IntentId);

        // The deposit comes back in a new fork: Open again, as any retracted intent.
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        Assert.True(await _intents.AddAsync(inB, default));
        Assert.Equal((IntentStage.Open, inB), Stored(await _intents.GetAsync(inA.Intent.IntentId, default)));
    }

    [Fact]
    public async Task Reorganisation_RetractedWhileInAnEpochThenSeenAgain_ReturnsToTheBookOpen()
    {
        // A -> B and A -> B -> A while an epoch holds the intent: a later observation cancels the held retraction.
        var inA = Observed(195) with { ReportSequence = 1 };
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        var backInA = inA with { ReportSequence = 5 };
        var fence = await AcquireAsync("node-a");
        foreach (var seenAgain in new[] { inB, backInA })
        {
            var intent = seenAgain == inB ? inA : inA with { Intent = inA.Intent with { IntentId = Bytes32.FromUInt64(195_000) } };
            var again = seenAgain with { Intent = intent.Intent };
            await _intents.AddAsync(intent, default);
            await _intents.TransitionAsync([new IntentTransition(intent.Intent.IntentId, IntentStage.InEpoch, 4, false)], fence, default);
            Assert.False(await _intents.RetractAsync(RetractionOf(intent, 2), default));
            Assert.False(await _intents.AddAsync(again, default));
            Assert.False((await _intents.GetAsync(intent.Intent.IntentId, default))!.RetractionHeld);

            await _intents.TransitionAsync([new IntentTransition(intent.Intent.IntentId, IntentStage.Open, null, true)], fence, default);

            Assert.Equal(IntentStage.Open, (await _intents.GetAsync(intent.Intent.IntentId, default))!.Stage);
            await AssertNeverOpenUnlistedAsync(intent.Intent.IntentId);
        }
    }

    [Fact]
    public async Task Reorganisation_RetractionOfAnotherBlockWhileInAnEpoch_IsNotHeld()
    {
        var inA = Observed(196) with { ReportSequence = 1 };
        var inB = ObservedAgain(inA) with { ReportSequence = 3 };
        await _intents.AddAsync(inA, default);
        var fence = await AcquireAsync("node-a");
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 5, false)], fence, default);
        await _intents.AddAsync(inB, default); // the epoch's intent seen in block B

        Assert.False(await _intents.RetractAsync(RetractionOf(inA, 4), default)); // block A gone, but the deposit is in B

        Assert.False((await _intents.GetAsync(inA.Intent.IntentId, default))!.RetractionHeld);
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.Open, null, true)], fence, default);
        Assert.Equal(IntentStage.Open, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage);
    }

    [Fact]
    public async Task Reorganisation_RetractionTornAfterEveryWriteThenTheNewForksObservationThenItsRedelivery_NeverOpenUnlisted()
    {
        var completed = false;
        for (var writes = 0; !completed; writes++)
        {
            var inA = Observed((byte)(200 + writes)) with { ReportSequence = 1 };
            var inB = ObservedAgain(inA) with { ReportSequence = 3 };
            await _intents.AddAsync(inA, default);

            completed = await TearAsync(writes, torn => torn.RetractAsync(RetractionOf(inA, 2), default));
            await _intents.AddAsync(inB, default);
            await _intents.RetractAsync(RetractionOf(inA, 2), default); // the torn retraction's redelivery

            await AssertNeverOpenUnlistedAsync(inA.Intent.IntentId);
            Assert.Equal((IntentStage.Open, inB), Stored(await _intents.GetAsync(inA.Intent.IntentId, default)));
        }
    }

    [Fact]
    public async Task Reorganisation_RetractionTornAfterEveryWriteThenTheSameBlockReportedAgain_NeverOpenUnlisted()
    {
        // A -> B -> A: the retraction of A is torn after it left the Open set, then A is reported again (a later
        // report of the same block) before the retraction's redelivery, which is then older than the stored report.
        var completed = false;
        for (var writes = 0; !completed; writes++)
        {
            var inA = Observed((byte)(230 + writes)) with { ReportSequence = 1 };
            await _intents.AddAsync(inA, default);

            completed = await TearAsync(writes, torn => torn.RetractAsync(RetractionOf(inA, 2), default));
            await _intents.AddAsync(inA with { ReportSequence = 3 }, default);
            await _intents.RetractAsync(RetractionOf(inA, 2), default);

            await AssertNeverOpenUnlistedAsync(inA.Intent.IntentId);
            Assert.Equal(IntentStage.Open, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage);
        }
    }

    [Fact]
    public async Task Reorganisation_HeldRetractionThenTheNewForksObservationTornAfterEveryWrite_ReturnsToTheBookOpen()
    {
        // The deposit is seen again while the epoch holds the intent, and that observation's script is torn: its
        // redelivery must still cancel the held retraction (another block, then the same block with a later report).
        var fence = await AcquireAsync("node-a");
        foreach (var sameBlock in new[] { false, true })
        {
            var completed = false;
            for (var writes = 0; !completed; writes++)
            {
                var inA = Observed((byte)(sameBlock ? 120 + writes : 100 + writes)) with { ReportSequence = 1 };
                var again = sameBlock ? inA with { ReportSequence = 3 } : ObservedAgain(inA) with { ReportSequence = 3 };
                await _intents.AddAsync(inA, default);
                await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 6, false)], fence, default);
                await _intents.RetractAsync(RetractionOf(inA, 2), default);
                Assert.True((await _intents.GetAsync(inA.Intent.IntentId, default))!.RetractionHeld);

                completed = await TearAsync(writes, torn => torn.AddAsync(again, default));
                await _intents.AddAsync(again, default); // the redelivery
                await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.Open, null, true)], fence, default);

                Assert.True(IntentStage.Open == (await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage, $"torn after {writes} writes ({(sameBlock ? "same block" : "another block")})");
                await AssertNeverOpenUnlistedAsync(inA.Intent.IntentId);
            }
        }
    }

    [Fact]
    public async Task Reorganisation_HeldRetractionAppliedByAMoveBackToOpenTornAfterEveryWrite_TheReplayEndsRetracted()
    {
        var fence = await AcquireAsync("node-a");
        var completed = false;
        for (var writes = 0; !completed; writes++)
        {
            var inA = Observed((byte)(140 + writes)) with { ReportSequence = 1 };
            await _intents.AddAsync(inA, default);
            await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 7, false)], fence, default);
            await _intents.RetractAsync(RetractionOf(inA, 2), default);
            var backToOpen = new IntentTransition(inA.Intent.IntentId, IntentStage.Open, null, true);

            completed = await TearAsync(writes, torn => torn.TransitionAsync([backToOpen], fence, default));
            await AssertNeverOpenUnlistedAsync(inA.Intent.IntentId);
            if ((await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage == IntentStage.InEpoch)
            {
                await _intents.TransitionAsync([backToOpen], fence, default); // the epoch loop's replay moves only what is still InEpoch
            }

            var stored = (await _intents.GetAsync(inA.Intent.IntentId, default))!;
            Assert.True((IntentStage.Retracted, false) == (stored.Stage, stored.RetractionHeld), $"torn after {writes} writes: {stored.Stage}, held {stored.RetractionHeld}");
            await AssertNeverOpenUnlistedAsync(inA.Intent.IntentId);

            // Its deposit comes back: Open again, and a later epoch that defers it does not retract it.
            await _intents.AddAsync(ObservedAgain(inA) with { ReportSequence = 3 }, default);
            await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 8, false)], fence, default);
            await _intents.TransitionAsync([backToOpen], fence, default);
            Assert.Equal(IntentStage.Open, (await _intents.GetAsync(inA.Intent.IntentId, default))!.Stage);
        }
    }

    [Fact]
    public async Task Reorganisation_HeldRetractionOfAnIntentTheEpochSettles_IsCleared()
    {
        var inA = Observed(197) with { ReportSequence = 1 };
        await _intents.AddAsync(inA, default);
        var fence = await AcquireAsync("node-a");
        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.InEpoch, 9, false)], fence, default);
        await _intents.RetractAsync(RetractionOf(inA, 2), default);

        await _intents.TransitionAsync([new IntentTransition(inA.Intent.IntentId, IntentStage.Refunded, 9, false)], fence, default);

        var stored = (await _intents.GetAsync(inA.Intent.IntentId, default))!;
        Assert.Equal((IntentStage.Refunded, false), (stored.Stage, stored.RetractionHeld));
        Assert.False(await (await _connection.DatabaseAsync(default)).HashExistsAsync(_connection.Keys.Intent(inA.Intent.IntentId), "retracted"));
    }

    [Fact]
    public async Task Reorganisation_IntentStoredBeforeBlocksWereKept_IsOrderedByTheBlockInItsObservation()
    {
        var legacy = Observed(220);
        var other = Observed(221);
        foreach (var intent in new[] { legacy, other })
        {
            await _intents.AddAsync(intent, default);
            Assert.True(await (await _connection.DatabaseAsync(default)).HashDeleteAsync(_connection.Keys.Intent(intent.Intent.IntentId), ["block", "report"]) == 2);
        }

        Assert.False(await _intents.RetractAsync(Retracted(legacy) with { BlockHash = "0x02" }, default));
        Assert.True(await _intents.RetractAsync(Retracted(legacy) with { BlockHash = legacy.Position.BlockHash.ToUpperInvariant() }, default));
        Assert.False(await _intents.AddAsync(ObservedAgain(other), default)); // seen in the new fork: takes it
        Assert.False(await _intents.RetractAsync(Retracted(other) with { BlockHash = other.Position.BlockHash }, default));

        Assert.Equal(IntentStage.Retracted, (await _intents.GetAsync(legacy.Intent.IntentId, default))!.Stage);
        Assert.Equal((IntentStage.Open, ObservedAgain(other)), Stored(await _intents.GetAsync(other.Intent.IntentId, default)));
    }

    [Fact]
    public async Task AddAsync_ReobservationTornAfterEveryWrite_NeverOpenUnlistedAndTheRedeliveryFinishesIt()
    {
        var completed = false;
        for (var writes = 0; !completed; writes++)
        {
            var observed = Observed((byte)(50 + writes));
            var again = ObservedAgain(observed);
            await _intents.AddAsync(observed, default);
            await _intents.RetractAsync(Retracted(observed), default);

            completed = await TearAsync(writes, torn => torn.AddAsync(again, default));
            await AssertNeverOpenUnlistedAsync(observed.Intent.IntentId);
            await _intents.AddAsync(again, default); // the redelivery: the message was never acknowledged

            var stored = (await _intents.GetAsync(observed.Intent.IntentId, default))!;
            Assert.Equal((IntentStage.Open, again), (stored.Stage, stored.Observed));
            await AssertNeverOpenUnlistedAsync(observed.Intent.IntentId);
        }
    }

    [Fact]
    public async Task RetractAsync_IntentInEpochOrUnknown_IsRefused()
    {
        var taken = Observed(2);
        await _intents.AddAsync(taken, default);
        var fence = await AcquireAsync("node-a");
        await _intents.TransitionAsync([new IntentTransition(taken.Intent.IntentId, IntentStage.InEpoch, 3, false)], fence, default);

        Assert.False(await _intents.RetractAsync(Retracted(taken), default));
        Assert.False(await _intents.RetractAsync(Retracted(Observed(99)), default));

        Assert.Equal(IntentStage.InEpoch, (await _intents.GetAsync(taken.Intent.IntentId, default))!.Stage);
        Assert.Null(await _intents.GetAsync(Observed(99).Intent.IntentId, default));
    }

    [Fact]
    public async Task TakeOpenAsync_RetractionsRacingTheTake_EachIntentEitherTakenOrRetractedNeverBoth()
    {
        var observed = Enumerable.Range(0, 200).Select(i => Observed((byte)i)).ToArray();
        foreach (var intent in observed)
        {
            await _intents.AddAsync(intent, default);
        }

        var fence = await AcquireAsync("node-a");
        var ids = observed.Select(o => o.Intent.IntentId).Order().ToArray();

        // Retractions in the reverse order of the take, concurrently with it: a take that reads, then moves, lets
        // some land between its read and its move, and the move then overwrites a retraction that was acknowledged.
        var take = Take(ids, 4, fence);
        var retractions = observed.Reverse().Select(o => (o.Intent.IntentId, Retracted: _intents.RetractAsync(Retracted(o), default))).ToArray();
        var taken = (await take).ToHashSet();

        foreach (var (id, retracted) in retractions)
        {
            var stored = (await _intents.GetAsync(id, default))!;
            if (await retracted)
            {
                Assert.Equal((IntentStage.Retracted, (ulong?)null, false), (stored.Stage, stored.EpochId, taken.Contains(id)));
            }
            else
            {
                Assert.Equal((IntentStage.InEpoch, (ulong?)4, true), (stored.Stage, stored.EpochId, taken.Contains(id)));
            }
        }

        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task TakeOpenAsync_MovesOnlyOpenIntents_IdempotentAndFenced()
    {
        var open = Observed(20);
        var retracted = Observed(21);
        var elsewhere = Observed(22);
        foreach (var intent in new[] { open, retracted, elsewhere })
        {
            await _intents.AddAsync(intent, default);
        }

        var stale = await AcquireAsync("node-a");
        await ExpireLeaseAsync();
        var fence = await AcquireAsync("node-b");
        await _intents.RetractAsync(Retracted(retracted), default);
        await _intents.TransitionAsync([new IntentTransition(elsewhere.Intent.IntentId, IntentStage.InEpoch, 3, false)], fence, default);
        Bytes32[] ids = [open.Intent.IntentId, retracted.Intent.IntentId, elsewhere.Intent.IntentId, Observed(23).Intent.IntentId];

        await Assert.ThrowsAsync<LeaseLostException>(() => Take(ids, 4, stale));
        Assert.Equal(IntentStage.Open, (await _intents.GetAsync(open.Intent.IntentId, default))!.Stage);

        Assert.Equal([open.Intent.IntentId], await Take(ids, 4, fence));
        Assert.Empty(await Take(ids, 4, fence)); // replayed after a crash: nothing left to move

        Assert.Equal((IntentStage.InEpoch, (ulong?)4), Where(await _intents.GetAsync(open.Intent.IntentId, default)));
        Assert.Equal((IntentStage.Retracted, (ulong?)null), Where(await _intents.GetAsync(retracted.Intent.IntentId, default)));
        Assert.Equal((IntentStage.InEpoch, (ulong?)3), Where(await _intents.GetAsync(elsewhere.Intent.IntentId, default)));
        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task TakeOpenAsync_TornTakeLeftTheIntentOutOfTheOpenSet_ReplayFinishesIt()
    {
        var intent = Observed(30);
        await _intents.AddAsync(intent, default);
        var fence = await AcquireAsync("node-a");

        // What a kill inside the script can leave on the embedded server: the first write (leaving the Open set) only.
        var database = await _connection.DatabaseAsync(default);
        Assert.True(await database.SortedSetRemoveAsync(_connection.Keys.OpenIntents, intent.Intent.IntentId.ToString()));
        Assert.Equal(IntentStage.Open, (await _intents.GetAsync(intent.Intent.IntentId, default))!.Stage);

        Assert.Equal([intent.Intent.IntentId], await Take([intent.Intent.IntentId], 5, fence));
        Assert.Equal((IntentStage.InEpoch, (ulong?)5), Where(await _intents.GetAsync(intent.Intent.IntentId, default)));
        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task OpenAsync_IntentsAddedOutOfOrder_AreOrderedByIntentId()
    {
        byte[] seeds = [200, 3, 150, 17, 255, 0, 64];
        foreach (var seed in seeds)
        {
            await _intents.AddAsync(Observed(seed), default);
        }

        var open = await _intents.OpenAsync(default);

        var expected = seeds.Select(seed => Observed(seed).Intent.IntentId).Order().ToArray();
        Assert.Equal(expected, open.Select(intent => intent.Observed.Intent.IntentId));
        Assert.Equal(Enumerable.Range(1, seeds.Length).Select(i => (long)i), open.Select(i => i.ArrivalSequence).Order());
    }

    [Fact]
    public async Task TransitionAsync_DeferredTwiceStepReplayedThenFilled_CountsEachEpochsDeferralOnce()
    {
        var deferred = Observed(10);
        var other = Observed(11);
        await _intents.AddAsync(deferred, default);
        await _intents.AddAsync(other, default);
        var fence = await AcquireAsync("node-a");
        var id = deferred.Intent.IntentId;

        await _intents.TransitionAsync(
            [new IntentTransition(id, IntentStage.Open, 1, true), new IntentTransition(other.Intent.IntentId, IntentStage.InEpoch, 1, false)], fence, default);
        Assert.Equal([id], (await _intents.OpenAsync(default)).Select(i => i.Observed.Intent.IntentId));
        await _intents.TransitionAsync([new IntentTransition(id, IntentStage.Open, 2, true)], fence, default);
        await _intents.TransitionAsync([new IntentTransition(id, IntentStage.Open, 2, true)], fence, default); // replayed after a crash
        var afterTwo = await _intents.GetAsync(id, default);
        await _intents.TransitionAsync([new IntentTransition(id, IntentStage.InEpoch, 3, false)], fence, default);
        await _intents.TransitionAsync([new IntentTransition(id, IntentStage.Filled, 3, false)], fence, default);

        Assert.Equal((IntentStage.Open, (ulong?)2, 2), (afterTwo!.Stage, afterTwo.EpochId, afterTwo.TimesDeferred));
        var filled = await _intents.GetAsync(id, default);
        Assert.Equal((IntentStage.Filled, (ulong?)3, 2), (filled!.Stage, filled.EpochId, filled.TimesDeferred));
        Assert.Equal(0, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task TransitionAsync_BackToOpenTornAfterEveryWrite_NeverOpenUnlistedAndTheReplayFinishesIt()
    {
        var fence = await AcquireAsync("node-a");
        var completed = false;
        for (var writes = 0; !completed; writes++)
        {
            var deferred = Observed((byte)(60 + writes));
            var id = deferred.Intent.IntentId;
            await _intents.AddAsync(deferred, default);
            await _intents.TransitionAsync([new IntentTransition(id, IntentStage.InEpoch, 1, false)], fence, default);
            var backToOpen = new IntentTransition(id, IntentStage.Open, 1, true);

            completed = await TearAsync(writes, torn => torn.TransitionAsync([backToOpen], fence, default));
            await AssertNeverOpenUnlistedAsync(id);
            // The epoch loop's replay of the step: it skips an intent already at the stage the step gives it.
            if ((await _intents.GetAsync(id, default))!.Stage != IntentStage.Open)
            {
                await _intents.TransitionAsync([backToOpen], fence, default);
            }

            var stored = (await _intents.GetAsync(id, default))!;
            Assert.Equal((IntentStage.Open, 1), (stored.Stage, stored.TimesDeferred));
            Assert.Contains(id, (await _intents.OpenAsync(default)).Select(i => i.Observed.Intent.IntentId));
        }
    }

    [Fact]
    public async Task TransitionAsync_UnknownIntentInTheStep_ThrowsAndChangesNothing()
    {
        var known = Observed(20);
        await _intents.AddAsync(known, default);
        var fence = await AcquireAsync("node-a");
        var unknown = Observed(21).Intent.IntentId;

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => _intents.TransitionAsync(
            [new IntentTransition(known.Intent.IntentId, IntentStage.InEpoch, 1, false), new IntentTransition(unknown, IntentStage.InEpoch, 1, false)],
            fence,
            default));

        Assert.Contains(unknown.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(IntentStage.Open, (await _intents.GetAsync(known.Intent.IntentId, default))!.Stage);
        Assert.Equal(1, await _intents.OpenCountAsync(default));
    }

    [Fact]
    public async Task Lease_SecondHolderAfterExpiry_WinsAndTheStaleHoldersWritesThrowAndChangeNothing()
    {
        var intent = Observed(30);
        await _intents.AddAsync(intent, default);
        var first = await AcquireAsync("node-a");
        Assert.Null(await _lease.TryAcquireAsync("node-b", LeaseTime, default));
        await _epochs.SaveAsync(Record(1, EpochStage.Open), first, default);

        await ExpireLeaseAsync();
        var second = await AcquireAsync("node-b");
        await _epochs.SaveAsync(Record(1, EpochStage.Closed), second, default);
        await _epochs.SaveBlobAsync(1, "manifest", "b"u8.ToArray(), second, default);
        await _intents.TransitionAsync([new IntentTransition(intent.Intent.IntentId, IntentStage.InEpoch, 1, false)], second, default);

        Assert.True(second.Fence > first.Fence);
        await Assert.ThrowsAsync<LeaseLostException>(() => _epochs.SaveAsync(Record(1, EpochStage.Cleared), first, default));
        await Assert.ThrowsAsync<LeaseLostException>(() => _epochs.SaveAsync(Record(2, EpochStage.Open), first, default));
        await Assert.ThrowsAsync<LeaseLostException>(() => _epochs.SaveBlobAsync(1, "batch", "a"u8.ToArray(), first, default));
        await Assert.ThrowsAsync<LeaseLostException>(() =>
            _intents.TransitionAsync([new IntentTransition(intent.Intent.IntentId, IntentStage.Refunded, 1, false)], first, default));
        Assert.False(await _lease.RenewAsync(first, LeaseTime, default));
        await _lease.ReleaseAsync(first, default);

        Assert.Equal(EpochStage.Closed, (await _epochs.CurrentAsync(default))!.Stage);
        Assert.Null(await _epochs.GetAsync(2, default));
        Assert.Null(await _epochs.GetBlobAsync(1, "batch", default));
        Assert.Equal(IntentStage.InEpoch, (await _intents.GetAsync(intent.Intent.IntentId, default))!.Stage);
        Assert.True(await _lease.RenewAsync(second, LeaseTime, default));
        Assert.Null(await _lease.TryAcquireAsync("node-a", LeaseTime, default));
    }

    [Fact]
    public async Task Lease_Released_CanBeTakenByAnotherNodeWithANewerFence()
    {
        var first = await AcquireAsync("node-a");
        await _lease.ReleaseAsync(first, default);

        var second = await AcquireAsync("node-b");

        Assert.True(second.Fence > first.Fence);
        await Assert.ThrowsAsync<LeaseLostException>(() => _epochs.SaveAsync(Record(1, EpochStage.Open), first, default));
    }

    [Fact]
    public async Task SaveAsync_OlderEpochSavedAfterNewer_CurrentStaysTheNewestAndRecordsRoundTrip()
    {
        var fence = await AcquireAsync("node-a");
        var newest = Record(10, EpochStage.Cleared) with
        {
            BatchRoot = Id(5),
            Chunks = [new ChunkProgress(new ChainId(31337), 0, ChunkProgressStage.Sending, 1, "0xabc", null)],
            StageTimes = new Dictionary<EpochStage, long> { [EpochStage.Open] = 1, [EpochStage.Cleared] = 9 },
        };

        Assert.Null(await _epochs.CurrentAsync(default));
        await _epochs.SaveAsync(Record(9, EpochStage.Settled), fence, default);
        await _epochs.SaveAsync(newest, fence, default);
        await _epochs.SaveAsync(Record(9, EpochStage.Margined), fence, default);

        var current = await _epochs.CurrentAsync(default);
        Assert.Equal(10UL, current!.EpochId);
        Assert.Equal(newest.BatchRoot, current.BatchRoot);
        Assert.Equal(newest.Chunks, current.Chunks);
        Assert.Equal(newest.StageTimes, current.StageTimes);
        Assert.Equal(EpochStage.Margined, (await _epochs.GetAsync(9, default))!.Stage);
    }

    [Fact]
    public async Task SaveChunkAsync_ProgressWrittenChunkByChunk_ReadersSeeItMergedAndAnOlderRecordSaveDoesNotUndoIt()
    {
        var fence = await AcquireAsync("node-a");
        var evm = new ChainId(31337);
        var solana = new ChainId(900);
        var planned = Record(3, EpochStage.Attested) with
        {
            Chunks = [.. new[] { evm, solana }.SelectMany(chain => Enumerable.Range(0, 3).Select(i => new ChunkProgress(chain, (uint)i, ChunkProgressStage.Planned, 0, null, null)))],
        };
        await _epochs.SaveAsync(planned, fence, default);

        var sending = new ChunkProgress(solana, 1, ChunkProgressStage.Sending, 1, null, null) { FirstSentAtUnixMilliseconds = 1_234 };
        var applied = new ChunkProgress(evm, 2, ChunkProgressStage.Applied, 2, "0xfeed", null) { FirstSentAtUnixMilliseconds = 999 };
        await _epochs.SaveChunkAsync(3, sending, fence, default);
        await _epochs.SaveChunkAsync(3, new ChunkProgress(evm, 2, ChunkProgressStage.Sending, 1, null, "round 1 failed"), fence, default);
        await _epochs.SaveChunkAsync(3, applied, fence, default);
        // The loop's Released save of a copy taken before the last chunk write: the chunk's own field still wins.
        await _epochs.SaveAsync(planned with { Stage = EpochStage.Released }, fence, default);

        var expected = planned.Chunks.Select(c => (c.ChainId, c.Index) == (solana, 1U) ? sending : (c.ChainId, c.Index) == (evm, 2U) ? applied : c).ToArray();
        var read = await _epochs.GetAsync(3, default);
        Assert.Equal(EpochStage.Released, read!.Stage);
        Assert.Equal(expected, read.Chunks);
        Assert.Equal(1_234, read.Chunks.Single(c => c.ChainId == solana && c.Index == 1).FirstSentAtUnixMilliseconds);
        Assert.Equal(expected, (await _epochs.CurrentAsync(default))!.Chunks);
    }

    [Fact]
    public async Task SaveChunkAsync_ChunkTheRecordDoesNotList_ReturnedAfterTheListedOnes()
    {
        var fence = await AcquireAsync("node-a");
        var chain = new ChainId(31337);
        await _epochs.SaveAsync(Record(4, EpochStage.Attested) with { Chunks = [new ChunkProgress(chain, 0, ChunkProgressStage.Planned, 0, null, null)] }, fence, default);

        var unlisted = new ChunkProgress(chain, 7, ChunkProgressStage.Applied, 1, "0x07", null);
        await _epochs.SaveChunkAsync(4, unlisted, fence, default);

        Assert.Equal([new ChunkProgress(chain, 0, ChunkProgressStage.Planned, 0, null, null), unlisted], (await _epochs.GetAsync(4, default))!.Chunks);
    }

    [Fact]
    public async Task SaveChunkAsync_StaleFence_ThrowsAndChangesNothing()
    {
        var first = await AcquireAsync("node-a");
        var chain = new ChainId(31337);
        var planned = new ChunkProgress(chain, 0, ChunkProgressStage.Planned, 0, null, null);
        await _epochs.SaveAsync(Record(5, EpochStage.Attested) with { Chunks = [planned] }, first, default);
        await ExpireLeaseAsync();
        var second = await AcquireAsync("node-b");

        await Assert.ThrowsAsync<LeaseLostException>(() => _epochs.SaveChunkAsync(5, planned with { Stage = ChunkProgressStage.Sending, Attempts = 1 }, first, default));

        Assert.Equal([planned], (await _epochs.GetAsync(5, default))!.Chunks);
        await _epochs.SaveChunkAsync(5, planned with { Stage = ChunkProgressStage.Sending, Attempts = 1 }, second, default);
        Assert.Equal(ChunkProgressStage.Sending, Assert.Single((await _epochs.GetAsync(5, default))!.Chunks).Stage);
    }

    [Fact]
    public async Task GetManyAsync_KnownAndUnknownIds_InTheirOrderWithNullForUnknown()
    {
        var (a, b) = (Observed(21), Observed(22));
        await _intents.AddAsync(a, default);
        await _intents.AddAsync(b, default);

        var read = await _intents.GetManyAsync([b.Intent.IntentId, Id(99), a.Intent.IntentId], default);

        Assert.Equal([b.Intent.IntentId, (Bytes32?)null, a.Intent.IntentId], read.Select(s => s?.Observed.Intent.IntentId));
        Assert.Equal(IntentStage.Open, read[0]!.Stage);
        Assert.Empty(await _intents.GetManyAsync([], default));
    }

    [Fact]
    public async Task SaveBlobAsync_WriteOnce_SameBytesAgainIsFineDifferentBytesThrow()
    {
        var fence = await AcquireAsync("node-a");
        var content = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();

        await _epochs.SaveBlobAsync(4, "batch", content, fence, default);
        await _epochs.SaveBlobAsync(4, "batch", content.ToArray(), fence, default);
        var different = content.ToArray();
        different[^1] = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => _epochs.SaveBlobAsync(4, "batch", different, fence, default));

        Assert.Equal(content, await _epochs.GetBlobAsync(4, "batch", default));
        Assert.Null(await _epochs.GetBlobAsync(4, "manifest", default));
    }

    [Fact]
    public async Task ChooseRootOnceAsync_SecondRoot_GetsTheFirstBack()
    {
        Assert.Equal(Id(1), await _epochs.ChooseRootOnceAsync(7, Id(1), default));
        Assert.Equal(Id(1), await _epochs.ChooseRootOnceAsync(7, Id(2), default));
        Assert.Equal(Id(2), await _epochs.ChooseRootOnceAsync(8, Id(2), default));
    }

    [Fact]
    public async Task ChosenRootAsync_ReadsTheChoiceAndChoosesNothing()
    {
        Assert.Null(await _epochs.ChosenRootAsync(9, default));
        Assert.Equal(Id(3), await _epochs.ChooseRootOnceAsync(9, Id(3), default)); // the read above chose nothing
        Assert.Equal(Id(3), await _epochs.ChosenRootAsync(9, default));
        Assert.Null(await _epochs.ChosenRootAsync(10, default));
    }

    [Fact]
    public async Task ChooseRootOnceAsync_PerRound_OneRootPerRoundAndRoundZeroIsTheEpochsOwnKey()
    {
        Assert.Equal(Id(4), await _epochs.ChooseRootOnceAsync(11, Id(4), default));
        Assert.Equal(Id(4), await _epochs.ChosenRootAsync(11, 0, default)); // round 0 reads the choice stored before rounds
        Assert.Equal(Id(4), await _epochs.ChooseRootOnceAsync(11, 0, Id(5), default));
        Assert.Null(await _epochs.ChosenRootAsync(11, 1, default));
        Assert.Equal(Id(5), await _epochs.ChooseRootOnceAsync(11, 1, Id(5), default));
        Assert.Equal(Id(5), await _epochs.ChooseRootOnceAsync(11, 1, Id(6), default));
        Assert.Equal(Id(4), await _epochs.ChosenRootAsync(11, default));
        Assert.Equal(Id(5), await _epochs.ChosenRootAsync(11, 1, default));
    }

    [Fact]
    public async Task AppendAsync_EightWritersWithDuplicates_GaplessSequenceOnePerEventId()
    {
        const int writers = 8;
        const int perWriter = 200;
        // Writer w appends its own events and, interleaved, the events of writer w + 1: every event is appended twice.
        var sequences = await Task.WhenAll(Enumerable.Range(0, writers).Select(writer => Task.Run(async () =>
        {
            var seen = new List<(string EventId, long Sequence)>();
            for (var i = 0; i < perWriter; i++)
            {
                foreach (var owner in new[] { writer, (writer + 1) % writers })
                {
                    var closed = Closed($"w{owner}-{i}");
                    seen.Add((closed.EventId, await _events.AppendAsync(closed, default)));
                }
            }

            return seen;
        })));

        const int total = writers * perWriter;
        var logged = await ReadAllAsync();
        Assert.Equal(total, await _events.HeadAsync(default));
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), logged.Select(e => e.Sequence));
        Assert.Equal(total, logged.Select(e => e.EventId).Distinct().Count());
        var sequenceOfId = logged.ToDictionary(e => e.EventId, e => e.Sequence);
        Assert.All(sequences.SelectMany(s => s), pair => Assert.Equal(sequenceOfId[pair.EventId], pair.Sequence));
        Assert.Equal(nameof(EpochClosed), logged[0].Type);
        Assert.Contains($"\"EventId\":\"{logged[0].EventId}\"", logged[0].Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AppendManyAsync_BatchWithAnAlreadyLoggedEvent_SequencesInListOrderAndTheDuplicateKeepsItsOwn()
    {
        Assert.Equal(1, await _events.AppendAsync(Closed("b"), default));

        await _events.AppendManyAsync([Closed("a"), Closed("b"), Closed("c"), Closed("a")], default);
        await _events.AppendManyAsync([Closed("c"), Closed("d")], default);

        Assert.Equal(["b", "a", "c", "d"], (await ReadAllAsync()).Select(e => e.EventId));
        Assert.Equal(4, await _events.HeadAsync(default));
    }

    [Fact]
    public async Task WaitForAsync_AppendFromAnotherConnection_Wakes()
    {
        await _events.AppendAsync(Closed("first"), default);
        await using var otherConnection = Connect(_server, _connection.Keys.Prefix);
        using var otherLog = new RedisEventLog(otherConnection);
        using var timeout = new CancellationTokenSource(ServerWait);

        var waitForFirst = _events.WaitForAsync(0, timeout.Token);
        var waitForSecond = _events.WaitForAsync(1, timeout.Token);
        await waitForFirst;
        Assert.False(waitForSecond.IsCompleted);
        Assert.Equal(2, await otherLog.AppendAsync(Closed("second"), default));

        await waitForSecond;
        Assert.Equal(["first", "second"], (await _events.ReadAsync(0, 10, default)).Select(e => e.EventId));
    }

    internal static NodeStoreConnection Connect(IStoreServerFixture server, string keyPrefix) =>
        new(Options.Create(new StoreOptions { ConnectionString = server.ConnectionString, KeyPrefix = keyPrefix }), NullLoggerFactory.Instance);

    internal static EpochClosed Closed(string eventId) => new(eventId, 1, "test", 0, 0, default(Bytes32));

    private async Task<List<LoggedEvent>> ReadAllAsync()
    {
        var all = new List<LoggedEvent>();
        for (var page = await _events.ReadAsync(0, 333, default); page.Count > 0; page = await _events.ReadAsync(page[^1].Sequence, 333, default))
        {
            all.AddRange(page);
        }

        return all;
    }

    private async Task<LeaseToken> AcquireAsync(string nodeId) =>
        await _lease.TryAcquireAsync(nodeId, LeaseTime, default) ?? throw new InvalidOperationException($"{nodeId} did not get the lease.");

    // The lease's time to live running out, without waiting for it: the key is gone as if it had expired.
    private async Task ExpireLeaseAsync() =>
        Assert.True(await (await _connection.DatabaseAsync(default)).KeyDeleteAsync(_connection.Keys.Lease));

    // Runs one store write with its script torn after the given number of writes (what a kill -9 inside the script can
    // leave on the embedded server: the writes before the kill); true when the script has fewer writes and completed.
    private async Task<bool> TearAsync(int writes, Func<RedisIntentStore, Task> write)
    {
        var torn = new RedisIntentStore(_connection) { ScriptRewrite = script => TornScript(script, writes) };
        try
        {
            await write(torn);
            return true;
        }
        catch (RedisServerException error) when (error.Message.Contains("torn here", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private static string TornScript(string script, int writes) => $$"""
        local torn_left = {{writes}}
        local torn_writes = { SET = true, DEL = true, INCR = true, PEXPIRE = true, HSET = true, HDEL = true, ZADD = true, ZREM = true, PUBLISH = true }
        local function torn_call(command, ...)
          if torn_writes[command] then
            if torn_left == 0 then error('torn here') end
            torn_left = torn_left - 1
          end
          return redis.call(command, ...)
        end

        """ + script.Replace("redis.call(", "torn_call(", StringComparison.Ordinal);

    // OpenAsync reads the Open set: an intent whose hash says Open but which is not in the set drops out of the book,
    // and nothing repairs it (every replay sees it Open already).
    private async Task AssertNeverOpenUnlistedAsync(Bytes32 intentId)
    {
        var stage = (await _intents.GetAsync(intentId, default))?.Stage;
        var listed = await (await _connection.DatabaseAsync(default)).SortedSetScoreAsync(_connection.Keys.OpenIntents, intentId.ToString()) is not null;
        Assert.True(stage != IntentStage.Open || listed, $"intent {intentId} is Open but not in the Open set");
    }

    private static IntentObserved ObservedAgain(IntentObserved observed) =>
        observed with { Position = observed.Position with { BlockNumber = observed.Position.BlockNumber + 1, BlockHash = "0x02" } };

    // Through the contract, so that a store without its own take runs the contract's default.
    private Task<IReadOnlyList<Bytes32>> Take(IReadOnlyList<Bytes32> ids, ulong epochId, LeaseToken fence) =>
        ((IIntentStore)_intents).TakeOpenAsync(ids, epochId, fence, default);

    private static (IntentStage Stage, ulong? EpochId) Where(StoredIntent? stored) => (stored!.Stage, stored.EpochId);

    private static EpochRecord Record(ulong epochId, EpochStage stage) => new() { EpochId = epochId, Stage = stage, OpenedAtUnixMilliseconds = 1_000 };

    private static Bytes32 Id(byte seed)
    {
        var bytes = new byte[32];
        bytes[0] = seed;
        bytes[31] = (byte)(255 - seed);
        return new Bytes32(bytes);
    }

    private static IntentRetracted RetractionOf(IntentObserved observed, ulong reportSequence) =>
        Retracted(observed) with { BlockHash = observed.Position.BlockHash, ReportSequence = reportSequence };

    private static (IntentStage Stage, IntentObserved Observed) Stored(StoredIntent? stored) => (stored!.Stage, stored.Observed);

    private async Task RetractOrRetryAsync(IntentRetracted retraction, List<IntentRetracted> retry)
    {
        if (await _intents.GetAsync(retraction.IntentId, default) is null)
        {
            retry.Add(retraction);
            return;
        }

        await _intents.RetractAsync(retraction, default);
    }

    private static IntentRetracted Retracted(IntentObserved observed) =>
        new() { ChainId = observed.Intent.OriginChainId, IntentId = observed.Intent.IntentId, Reason = "reorganised" };

    private static IntentObserved Observed(byte seed) => new()
    {
        Intent = new Intent
        {
            IntentId = Id(seed),
            OriginChainId = new ChainId(31337),
            DepositNonce = seed,
            Depositor = Id(1),
            InputToken = Id(2),
            InputAmount = (UInt256)(1_000UL + seed),
            DestinationChainId = new ChainId(900),
            OutputToken = Id(3),
            MinOutputAmount = (UInt256)990UL,
            Recipient = Id(4),
            FillDeadline = 2_000_000_000,
        },
        Position = new ChainPosition { BlockNumber = 12, BlockHash = "0x01", TransactionId = Encoding.ASCII.GetString([(byte)'t', seed]), LogIndex = 0 },
    };
}
