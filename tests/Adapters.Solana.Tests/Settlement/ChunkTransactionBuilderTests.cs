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

    [Theory]
    [InlineData(ActionKind.Payout)]
    [InlineData(ActionKind.Withdraw)]
    [InlineData(ActionKind.Refund)]
    public void Build_DefaultTransferLimit_WorstCaseFitsOneLegacyTransactionAndOneMoreDoesNot(ActionKind kind)
    {
        var fits = WorstCase(ChunkStage.Transfer, kind, SolanaClusterOptions.DefaultMaxTransfersPerChunk);
        Assert.InRange(fits.Size, 1, Transaction.MaxSize);
        Assert.True(fits.ComputeUnits <= new SolanaClusterOptions().ComputeUnitLimit);
        if (kind == ActionKind.Payout)
        {
            Assert.True(WorstCase(ChunkStage.Transfer, kind, SolanaClusterOptions.DefaultMaxTransfersPerChunk + 1).Size > Transaction.MaxSize, "the default is not the largest that fits");
        }
    }

    // A depositor or recipient can grind a key whose claim PDA ["claim", owner, mint] (and, for a Withdraw, whose
    // marker ["withdrawn", leaf]) needs many bumps: sol_try_find_program_address costs 1,500 CU per bump, up to 256.
    // The limit requested must cover that search for every transfer action (capped at the 1.4M a transaction can have).
    [Theory]
    [InlineData(ActionKind.Refund, 1)]
    [InlineData(ActionKind.Payout, 1)]
    [InlineData(ActionKind.Withdraw, 2)]
    public void Build_TransferChunk_LimitCoversGroundClaimPdaBumpSearch(ActionKind kind, int searches)
    {
        const uint worstSearch = 256 * 1_500;
        const uint measuredUndeliverableClaim = 14_000; // "Settle: 1 Payout, undeliverable -> new claim" with one bump
        var one = WorstCase(ChunkStage.Transfer, kind, 1);
        Assert.True(one.ComputeUnits >= measuredUndeliverableClaim + ((uint)searches * worstSearch), $"{kind}: {one.ComputeUnits} CU requested");
        var many = WorstCase(ChunkStage.Transfer, kind, 8);
        Assert.Equal(1_400_000u, many.ComputeUnits);
        Assert.True(many.ComputeUnits <= new SolanaClusterOptions().ComputeUnitLimit);
    }

    [Fact]
    public void Build_DefaultReleaseLimit_WorstCaseFitsAndOneMoreDoesNot()
    {
        Assert.InRange(WorstCase(ChunkStage.Release, ActionKind.Release, SolanaClusterOptions.DefaultMaxReleasesPerChunk).Size, 1, Transaction.MaxSize);
        Assert.True(WorstCase(ChunkStage.Release, ActionKind.Release, SolanaClusterOptions.DefaultMaxReleasesPerChunk + 1).Size > Transaction.MaxSize, "the default is not the largest that fits");
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

    private static ChunkTransaction WorstCase(ChunkStage stage, ActionKind kind, int count)
    {
        var actions = Enumerable.Range(0, count).Select(i => kind == ActionKind.Release
            ? new SettlementAction(ActionKind.Release, Bytes32.FromUInt64((ulong)(100 + i)), Bytes32.FromUInt64((ulong)(700 + i)), Bytes32.Zero, UInt256.Zero)
            : Action(kind, i, Bytes32.FromUInt64((ulong)(700 + i)))).ToArray();
        var missing = actions.Select(a => (a.Account, a.Token)).ToHashSet();
        return ChunkTransactionBuilder.Build(Chunk(stage, actions), Escrow, Payer, Attestors, computeUnitPrice: 1, missing);
    }

    private static SettlementAction Action(ActionKind kind, int i, Bytes32 mint) =>
        new(kind, kind == ActionKind.Withdraw ? Bytes32.Zero : Bytes32.FromUInt64((ulong)(400 + i)), mint, Bytes32.FromUInt64((ulong)(500 + i)), ulong.MaxValue - (ulong)i);

    private static SettlementChunk Chunk(ChunkStage stage, IReadOnlyList<SettlementAction> actions) => new(Chain, 9, 5, Bytes32.FromUInt64(3), stage, actions);
}
