using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Tests.Settlement;

public class ReleaseFirstSettlementTests
{
    private static readonly ChainId Evm = new(31337);
    private static readonly ChainId Solana = new(900001);

    [Fact]
    public async Task SettleAsync_TwoChains_EveryReleaseChunkAppliedBeforeAnyTransferChunk()
    {
        var journal = new List<SettlementChunk>();
        var settlement = Settlement(new InMemorySubmitter(Evm, journal), new InMemorySubmitter(Solana, journal));
        var chunks = Plan(settlement);

        var report = await settlement.SettleAsync(chunks, CancellationToken.None);

        Assert.True(report.Complete);
        Assert.Equal(chunks.Count, journal.Count);
        var lastRelease = journal.FindLastIndex(c => c.Stage == ChunkStage.Release);
        var firstTransfer = journal.FindIndex(c => c.Stage == ChunkStage.Transfer);
        Assert.True(lastRelease < firstTransfer, $"release at {lastRelease} after transfer at {firstTransfer}");
        Assert.All(report.Submitted, s => Assert.Equal(ChunkSubmissionOutcome.Applied, s.Outcome));
    }

    [Fact]
    public async Task SettleAsync_ReleaseChunkFails_ExactlyItsPayoutChunksWithheldAndTheRestApplied()
    {
        var journal = new List<SettlementChunk>();
        var evm = new InMemorySubmitter(Evm, journal) { Failing = 0 };
        var settlement = Settlement(evm, new InMemorySubmitter(Solana, journal));
        var chunks = Plan(settlement);
        var failingRelease = new ChunkReference(Evm, 0);
        var dependants = chunks.Where(c => c.AwaitsRelease == failingRelease).ToArray();
        Assert.NotEmpty(dependants);

        var report = await settlement.SettleAsync(chunks, CancellationToken.None);

        Assert.False(report.Complete);
        Assert.Equal(failingRelease, Assert.Single(report.Abandoned).Chunk.Reference);
        Assert.Equal(dependants.Select(c => c.Reference), report.Withheld.Select(c => c.Reference));
        Assert.DoesNotContain(journal, c => c.AwaitsRelease == failingRelease);
        Assert.Equal(chunks.Count - 1 - dependants.Length, report.Submitted.Count);
    }

    [Fact]
    public async Task SettleAsync_Replayed_EveryChunkAlreadyAppliedAndNothingSent()
    {
        var journal = new List<SettlementChunk>();
        var settlement = Settlement(new InMemorySubmitter(Evm, journal), new InMemorySubmitter(Solana, journal));
        var chunks = Plan(settlement);
        await settlement.SettleAsync(chunks, CancellationToken.None);
        journal.Clear();

        var replay = await settlement.SettleAsync(chunks, CancellationToken.None);

        Assert.Empty(journal);
        Assert.Equal(chunks.Count, replay.Submitted.Count);
        Assert.All(replay.Submitted, s => Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, s.Outcome));
    }

    [Fact]
    public async Task SettleAsync_ChainWithoutSubmitter_ThrowsNamingTheChainBeforeSendingAnything()
    {
        var journal = new List<SettlementChunk>();
        var both = Settlement(new InMemorySubmitter(Evm, journal), new InMemorySubmitter(Solana, journal));
        var chunks = Plan(both);
        var evmOnly = Settlement(new InMemorySubmitter(Evm, journal));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => evmOnly.SettleAsync(chunks, CancellationToken.None));

        Assert.Contains(Solana.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Empty(journal);
    }

    [Fact]
    public async Task SettleAsync_ChunksOfTwoEpochs_ThrowsNamingThemBeforeSendingAnything()
    {
        var journal = new List<SettlementChunk>();
        var settlement = Settlement(new InMemorySubmitter(Evm, journal), new InMemorySubmitter(Solana, journal));
        var chunks = Plan(settlement);
        var mixed = chunks.Take(1).Concat(chunks.Skip(1).Select(c => c with { EpochId = 5 })).ToArray();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => settlement.SettleAsync(mixed, CancellationToken.None));

        Assert.Contains("4, 5", error.Message, StringComparison.Ordinal);
        Assert.Empty(journal);
    }

    private static ReleaseFirstSettlement Settlement(params IChunkSubmitter[] submitters) =>
        new(submitters, NullLogger<ReleaseFirstSettlement>.Instance);

    /// <summary>Eight intents each way between the two chains, one refund on each: several Release chunks per chain.</summary>
    private static IReadOnlyList<SettlementChunk> Plan(ReleaseFirstSettlement settlement)
    {
        var root = Bytes32.FromUInt64(99);
        var actions = new Dictionary<ChainId, List<SettlementAction>> { [Evm] = [], [Solana] = [] };
        for (var i = 1; i <= 16; i++)
        {
            var (origin, destination) = i % 2 == 0 ? (Evm, Solana) : (Solana, Evm);
            var id = Bytes32.FromUInt64((ulong)i);
            actions[origin].Add(new SettlementAction(ActionKind.Release, id, Bytes32.FromUInt64(origin.Value), Bytes32.Zero, 0UL));
            actions[destination].Add(new SettlementAction(ActionKind.Payout, id, Bytes32.FromUInt64(destination.Value), Bytes32.FromUInt64(1000 + (ulong)i), 5UL));
        }

        actions[Evm].Add(new SettlementAction(ActionKind.Refund, Bytes32.FromUInt64(50), Bytes32.FromUInt64(Evm.Value), Bytes32.FromUInt64(7), 3UL));
        actions[Solana].Add(new SettlementAction(ActionKind.Refund, Bytes32.FromUInt64(51), Bytes32.FromUInt64(Solana.Value), Bytes32.FromUInt64(7), 3UL));
        var legs = actions.Select(p => new SettlementLeg(p.Key, 4, root, Bytes32.Zero,
            p.Value.OrderBy(a => a, Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)).ToArray())).ToArray();
        return SettlementChunkPlanner.Plan(legs, settlement.LimitsOf);
    }

    /// <summary>An escrow in memory: applies each (epoch, chunk) once, records the order, fails one chunk on request.</summary>
    private sealed class InMemorySubmitter(ChainId chainId, List<SettlementChunk> journal) : IChunkSubmitter
    {
        private readonly HashSet<(ulong, uint)> _applied = [];

        public ChainId ChainId => chainId;

        public ChunkLimits Limits => new(3, 2);

        public uint? Failing { get; init; }

        public Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
        {
            if (chunk.Index == Failing)
            {
                throw new InvalidOperationException($"chunk {chunk.Index} reverted");
            }

            if (!_applied.Add((chunk.EpochId, chunk.Index)))
            {
                return Task.FromResult(new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.AlreadyApplied, null));
            }

            lock (journal)
            {
                journal.Add(chunk);
            }

            return Task.FromResult(new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.Applied, $"tx-{chunk.Index}"));
        }
    }
}
