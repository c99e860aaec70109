using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Settlement;

public sealed class ChunkTransactionBuilderTests
{
    private static readonly EscrowProgram Escrow = new(Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw"));
    private static readonly ChainId Chain = new(900001);
    private static readonly Bytes32 Mint = Bytes32.FromUInt64(77);
    private static readonly Bytes32 Payer = Bytes32.FromUInt64(1001);

    // The worst case the defaults promise to fit: a payer that is not an attestor (3 signatures), a priority fee,
    // a distinct mint and a distinct recipient per action, and every recipient's token account created.
    private static readonly Bytes32[] Attestors = [Bytes32.FromUInt64(1002), Bytes32.FromUInt64(1003)];

    // The limits a submitter advertises when none are configured, for a payer besides N attestors: in the worst case
    // (a priority fee, a distinct mint and recipient per action, every recipient's token account created) a chunk at
    // the limit fits one transaction for every kind (bytes, account locks, the static compute estimate), and one more
    // action does not fit for some kind: the limits are the largest safe ones.
    [Theory]
    [InlineData(1, false, 5, 2)]
    [InlineData(2, false, 4, 1)]
    [InlineData(3, false, 3, 1)]
    [InlineData(1, true, 10, 7)]
    [InlineData(2, true, 9, 7)]
    [InlineData(3, true, 8, 6)]
    public void WorstCaseLimits_PayerBesidesTheAttestors_WorstCaseFitsAtTheLimitAndOneMoreDoesNot(int attestorCount, bool table, int releases, int transfers)
    {
        Bytes32[] attestors = [.. Enumerable.Range(0, attestorCount).Select(i => Bytes32.FromUInt64(1002 + (ulong)i))];
        var limitUnits = new SolanaClusterOptions().ComputeUnitLimit;
        var limits = ChunkTransactionBuilder.WorstCaseLimits(Escrow, Chain, attestorCount, table, limitUnits);

        Assert.Equal((releases, transfers), (limits.MaxReleases, limits.MaxTransfers));
        foreach (var kind in new[] { ActionKind.Release, ActionKind.Refund, ActionKind.Payout, ActionKind.Withdraw })
        {
            var limit = kind == ActionKind.Release ? limits.MaxReleases : limits.MaxTransfers;
            var fits = ChunkTransactionBuilder.WorstCase(Escrow, Chain, kind, limit, Payer, attestors, table);
            Assert.InRange(fits.Size, 1, Transaction.MaxSize);
            Assert.InRange(fits.AccountCount, 1, ChunkTransaction.MaxAccountLocks);
            Assert.InRange(fits.EstimatedUnits, 1u, limitUnits);
            Assert.Equal(table, fits.Table is not null);
            if (kind != ActionKind.Release)
            {
                Assert.Equal(limit, fits.Instructions.Count(i => i.ProgramId == WellKnown.AssociatedTokenProgram));
            }
        }

        Assert.True(ChunkTransactionBuilder.WorstCase(Escrow, Chain, ActionKind.Release, limits.MaxReleases + 1, Payer, attestors, table).Size > Transaction.MaxSize, "the Release limit is not the largest that fits");
        Assert.Contains(new[] { ActionKind.Refund, ActionKind.Payout, ActionKind.Withdraw }, kind =>
            ChunkTransactionBuilder.WorstCase(Escrow, Chain, kind, limits.MaxTransfers + 1, Payer, attestors, table) is var over
            && (over.Size > Transaction.MaxSize || over.AccountCount > ChunkTransaction.MaxAccountLocks || over.EstimatedUnits > limitUnits));
    }

    // A depositor or recipient can grind a key whose claim PDA ["claim", owner, mint] (and, for a Withdraw, whose
    // marker ["withdrawn", leaf]) needs many bumps: the program's search costs 324 CU per bump (a sha256 and a curve check), up to 255.
    // The builder counts the bumps of the actual keys; the count is checked here against the bumps themselves (every
    // higher bump gives an on-curve point), and a ground key's search is in both the estimate and the reserve a
    // simulated limit adds (the simulated transfer may be delivered and never search).
    [Theory]
    [InlineData(ActionKind.Refund)]
    [InlineData(ActionKind.Payout)]
    [InlineData(ActionKind.Withdraw)]
    public void Build_GroundClaimKey_EstimateAndSimulatedLimitCoverItsExactBumpSearch(ActionKind kind)
    {
        var (owner, tries) = GrindClaimKey(minTries: 7);
        byte[][] Seeds(byte bump) => [System.Text.Encoding.ASCII.GetBytes("claim"), owner.ToArray(), Mint.ToArray(), [bump]];
        for (var bump = 255; bump > 256 - tries; bump--)
        {
            Assert.Null(ProgramAddress.Create(Seeds((byte)bump), Escrow.ProgramId));
        }

        Assert.Equal(Escrow.ClaimAddress(owner, Mint), ProgramAddress.Create(Seeds((byte)(256 - tries)), Escrow.ProgramId));
        var ground = One(kind, owner);
        var plain = One(kind, Bytes32.FromUInt64(5001));
        var plainTries = Escrow.ClaimSearchTries(Bytes32.FromUInt64(5001), Mint);
        Assert.Equal((uint)(tries - plainTries) * ChunkTransactionBuilder.UnitsPerBump, ground.UndeliverableReserve - plain.UndeliverableReserve);
        Assert.True(ground.EstimatedUnits >= 14_000 + ((uint)tries * 324), $"{kind}: estimate {ground.EstimatedUnits}");
        const ulong simulatedDelivered = 12_000;
        Assert.True(ChunkTransactionBuilder.LimitFromSimulation(simulatedDelivered, ground.UndeliverableReserve, 0) >= simulatedDelivered + 1_300 + ((ulong)tries * 324)); // measured: a new claim costs 1.3k over a delivery, a bump try 324
        Assert.Equal(ChunkTransactionBuilder.MaxComputeUnits, ChunkTransactionBuilder.LimitFromSimulation(1_300_000, ground.UndeliverableReserve, 20));

        ChunkTransaction One(ActionKind k, Bytes32 account)
        {
            var action = new SettlementAction(k, k == ActionKind.Withdraw ? Bytes32.Zero : Bytes32.FromUInt64(401), Mint, account, 1000);
            return ChunkTransactionBuilder.Build(Chunk(ChunkStage.Transfer, [action]), Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)>());
        }
    }

    // The goal: 8 Payouts to first-time recipients (token accounts created in the same transaction) in one
    // v0 transaction, when the payer is one of the 2 attestors (2 signatures) and the leg pays one mint.
    [Fact]
    public void Build_LookupTable_EightPayoutsWithAccountCreation_FitWhenThePayerAttests()
    {
        var actions = Enumerable.Range(0, 8).Select(i => Action(ActionKind.Payout, i, Mint)).ToArray();
        var missing = actions.Select(a => (a.Account, a.Token)).ToHashSet();
        var draft = ChunkTransactionBuilder.Build(Chunk(ChunkStage.Transfer, actions), Escrow, Payer, [Payer, Attestors[0]], 1, missing);
        var eight = ChunkTransactionBuilder.Build(Chunk(ChunkStage.Transfer, actions), Escrow, Payer, [Payer, Attestors[0]], 1, missing, new AddressLookupTable(Bytes32.FromUInt64(9), draft.LookupAddresses), 1_400_000);
        Assert.Equal(11, eight.Instructions.Count); // limit, price, 8 creations, Settle
        Assert.InRange(eight.Size, 1, Transaction.MaxSize);
        Assert.InRange(eight.AccountCount, 1, ChunkTransaction.MaxAccountLocks);
        Assert.True(draft.Size > Transaction.MaxSize, "legacy cannot carry them");
    }

    [Fact]
    public void Percentile_NearestRank()
    {
        Assert.Equal(0ul, ChunkSubmitter.Percentile([], 75));
        Assert.Equal(30ul, ChunkSubmitter.Percentile([40, 10, 30, 20], 75));
        Assert.Equal(40ul, ChunkSubmitter.Percentile([40, 10, 30, 20], 100));
        Assert.Equal(10ul, ChunkSubmitter.Percentile([40, 10, 30, 20], 0));
    }

    private static (Bytes32 Owner, int Tries) GrindClaimKey(int minTries)
    {
        for (ulong i = 1; ; i++)
        {
            var owner = Bytes32.FromUInt64(1_000_000 + i);
            var tries = Escrow.ClaimSearchTries(owner, Mint);
            if (tries >= minTries)
            {
                return (owner, tries);
            }
        }
    }

    [Fact]
    public void Build_ExistingDestinations_NoAccountCreation_SettleLast()
    {
        var chunk = Chunk(ChunkStage.Transfer, [Action(ActionKind.Payout, 1, Mint), Action(ActionKind.Payout, 2, Mint)]);
        var none = ChunkTransactionBuilder.Build(chunk, Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)>());
        var one = ChunkTransactionBuilder.Build(chunk, Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)> { (Bytes32.FromUInt64(501), Mint) });
        Assert.Equal(2, none.Instructions.Count);
        Assert.Equal(3, one.Instructions.Count);
        Assert.Equal(WellKnown.AssociatedTokenProgram, one.Instructions[1].ProgramId);
        Assert.Equal(Escrow.ProgramId, one.Instructions[^1].ProgramId);
        Assert.True(one.ComputeUnits > none.ComputeUnits);
    }

    [Fact]
    public void Build_ReleaseMixedWithTransfer_ThrowsNamingTheChunk()
    {
        var chunk = Chunk(ChunkStage.Transfer, [new SettlementAction(ActionKind.Release, Bytes32.FromUInt64(1), Mint, Bytes32.Zero, UInt256.Zero), Action(ActionKind.Payout, 2, Mint)]);
        var ex = Assert.Throws<ChunkSubmissionException>(() => ChunkTransactionBuilder.Build(chunk, Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)>()));
        Assert.StartsWith("Epoch 9 chunk 5:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_AmountAboveU64_ThrowsNamingTheAction()
    {
        var chunk = Chunk(ChunkStage.Transfer, [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Mint, Bytes32.FromUInt64(2), UInt256.MaxValue)]);
        var ex = Assert.Throws<ChunkSubmissionException>(() => ChunkTransactionBuilder.Build(chunk, Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)>()));
        Assert.Contains("action 0 (Payout)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_ReleaseWithAmount_Throws()
    {
        var chunk = Chunk(ChunkStage.Release, [new SettlementAction(ActionKind.Release, Bytes32.FromUInt64(1), Mint, Bytes32.Zero, 5)]);
        Assert.Throws<ChunkSubmissionException>(() => ChunkTransactionBuilder.Build(chunk, Escrow, Payer, Attestors, 0, new HashSet<(Bytes32, Bytes32)>()));
    }

    private static SettlementAction Action(ActionKind kind, int i, Bytes32 mint) =>
        new(kind, kind == ActionKind.Withdraw ? Bytes32.Zero : Bytes32.FromUInt64((ulong)(400 + i)), mint, Bytes32.FromUInt64((ulong)(500 + i)), ulong.MaxValue - (ulong)i);

    private static SettlementChunk Chunk(ChunkStage stage, IReadOnlyList<SettlementAction> actions) => new(Chain, 9, 5, Bytes32.FromUInt64(3), stage, actions);
}
