using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.CoSigning;

// A co-signer must never sign a message that could move funds other than the chunk it attested: each test below
// hands it one way a message can differ from the honest settle and expects a refusal naming it.
public sealed class SettleCoSignCheckTests
{
    private static readonly ChainId Chain = new(900001);
    private static readonly EscrowProgram Escrow = new(Bytes32.FromUInt64(0xE5C0));
    private static readonly Bytes32 Own = Bytes32.FromUInt64(0xA1), Other = Bytes32.FromUInt64(0xB2), Third = Bytes32.FromUInt64(0xC3), Payer = Bytes32.FromUInt64(0xFE);
    private static readonly Bytes32 Blockhash = Bytes32.FromUInt64(0xB10C);
    private static readonly Bytes32[] Operators = [Own, Other, Third];
    private static readonly Bytes32 Mint = Bytes32.FromUInt64(0x111), Recipient = Bytes32.FromUInt64(0x222), Depositor = Bytes32.FromUInt64(0x333);

    private static readonly SettlementChunk Attested = new(Chain, 7, 2, Bytes32.FromUInt64(0x7007), ChunkStage.Transfer,
    [
        new SettlementAction(ActionKind.Refund, Bytes32.FromUInt64(0x1D1), Mint, Depositor, 500),
        new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(0x1D2), Mint, Recipient, 900),
    ]);

    [Fact]
    public void Refusal_HonestSettle_None()
    {
        Assert.Null(Check(Honest()));
    }

    [Fact]
    public void Refusal_HonestSettleCreatingItsDestinationAccount_None()
    {
        Assert.Null(Check(Message(Build(Attested, missing: new HashSet<(Bytes32, Bytes32)> { (Recipient, Mint) }).Instructions)));
    }

    [Fact]
    public void Refusal_HonestV0SettleOverItsTable_None()
    {
        var draft = Build(Attested);
        var table = new AddressLookupTable(Bytes32.FromUInt64(0x7AB1E), [Bytes32.FromUInt64(0xDEAD), .. draft.LookupAddresses]);
        var v0 = MessageCompiler.CompileV0(Payer, Build(Attested, table: table).Instructions, Blockhash, [table]);
        Assert.Null(SettleCoSignCheck.Refusal(v0.Serialize(), Attested, Escrow, Own, Operators, table));
        Assert.Contains("lookup table other than", SettleCoSignCheck.Refusal(v0.Serialize(), Attested, Escrow, Own, Operators, null));
    }

    [Fact]
    public void Refusal_OtherProgram_Refused()
    {
        var other = new EscrowProgram(Bytes32.FromUInt64(0xBAD));
        var instructions = ChunkTransactionBuilder.Build(Attested, other, Payer, [Own, Other], 1, new HashSet<(Bytes32, Bytes32)>()).Instructions;
        Assert.Contains("neither the compute budget", Check(Message(instructions)));
    }

    [Fact]
    public void Refusal_ExtraEscrowInstruction_Refused()
    {
        var honest = Build(Attested).Instructions;
        Assert.Contains("second escrow instruction", Check(Message([.. honest, honest[^1]])));
    }

    [Fact]
    public void Refusal_ExtraComputeBudgetInstruction_Refused()
    {
        Assert.Contains("compute-budget", Check(Message([ComputeBudgetProgram.SetComputeUnitLimit(1), .. Build(Attested).Instructions])));
    }

    [Fact]
    public void Refusal_SmuggledSystemTransferFromPayer_Refused()
    {
        Assert.Contains(Base58.EncodeKey(WellKnown.SystemProgram), Check(Message([.. Build(Attested).Instructions, SystemProgram.Transfer(Payer, Third, 1_000_000)])));
    }

    [Fact]
    public void Refusal_SmuggledTokenTransferWithOwnKeyAsAuthority_Refused()
    {
        // The co-signer's key made the authority of a token transfer out of its own account: writable or not, refused.
        var transfer = TokenProgram.Transfer(ProgramAddress.AssociatedTokenAccount(Own, Mint), Bytes32.FromUInt64(0x666), Own, 5);
        Assert.NotNull(Check(Message([.. Build(Attested).Instructions, transfer])));
    }

    [Fact]
    public void Refusal_AccountCreationForAnotherWallet_Refused()
    {
        Assert.Contains("does not pay to", Check(Message([AssociatedTokenProgram.CreateIdempotent(Payer, Third, Mint), .. Build(Attested).Instructions])));
    }

    [Fact]
    public void Refusal_OtherChunkIndex_Refused()
    {
        Assert.Contains("chunk 3, not the attested epoch 7 chunk 2", Check(Message(Build(Attested with { Index = 3 }).Instructions)));
    }

    [Fact]
    public void Refusal_OtherEpoch_Refused()
    {
        Assert.Contains("settles epoch 8 chunk 2", Check(Message(Build(Attested with { EpochId = 8 }).Instructions)));
    }

    [Fact]
    public void Refusal_OtherRoot_Refused()
    {
        Assert.Contains("not the attested root", Check(Message(Build(Attested with { BatchRoot = Bytes32.FromUInt64(0xBAD) }).Instructions)));
    }

    [Fact]
    public void Refusal_OtherAmountUnderTheAttestedHeader_Refused()
    {
        var inflated = Attested with { Actions = [Attested.Actions[0], Attested.Actions[1] with { Amount = 9_000 }] };
        Assert.Contains("differ from the settle of the attested chunk", Check(Message(Build(inflated).Instructions)));
    }

    [Fact]
    public void Refusal_OtherRecipientUnderTheAttestedHeader_Refused()
    {
        var redirected = Attested with { Actions = [Attested.Actions[0], Attested.Actions[1] with { Account = Third }] };
        Assert.Contains("differ from the settle of the attested chunk", Check(Message(Build(redirected).Instructions)));
    }

    [Fact]
    public void Refusal_OwnKeyAsFeePayer_Refused()
    {
        var instructions = ChunkTransactionBuilder.Build(Attested, Escrow, Own, [Own, Other], 1, new HashSet<(Bytes32, Bytes32)>()).Instructions;
        Assert.Contains("is its fee payer", Check(MessageCompiler.Compile(Own, instructions, Blockhash).Serialize()));
    }

    [Fact]
    public void Refusal_OwnKeyNotAnAttestor_Refused()
    {
        Assert.Contains("not among its signers", Check(Message(Build(Attested, attestors: [Other, Third]).Instructions)));
    }

    [Fact]
    public void Refusal_UnregisteredAttestor_Refused()
    {
        Assert.Contains("is no operator's signer", Check(Message(Build(Attested, attestors: [Own, Bytes32.FromUInt64(0x5757)]).Instructions)));
    }

    [Fact]
    public void Refusal_OwnKeyWritable_Refused()
    {
        Assert.Contains("writable", Check(Message([.. Build(Attested).Instructions, SystemProgram.Transfer(Own, Third, 1)])));
    }

    [Fact]
    public void Refusal_Garbage_Refused()
    {
        Assert.Contains("not a well-formed", SettleCoSignCheck.Refusal([1, 2, 3], Attested, Escrow, Own, Operators, null));
    }

    [Fact]
    public void Digest_DiffersByChunkRootAndProgram()
    {
        var digest = SolanaChunkAttestation.Digest(Attested, Escrow.ProgramId);
        Assert.NotEqual(digest, SolanaChunkAttestation.Digest(Attested with { Index = 3 }, Escrow.ProgramId));
        Assert.NotEqual(digest, SolanaChunkAttestation.Digest(Attested with { BatchRoot = Bytes32.FromUInt64(1) }, Escrow.ProgramId));
        Assert.NotEqual(digest, SolanaChunkAttestation.Digest(Attested, Bytes32.FromUInt64(1)));
        using var key = SolanaKeypair.Generate();
        var signature = key.Sign(digest.ToArray());
        Assert.True(SolanaChunkAttestation.Verifies(key.PublicKey, digest, signature));
        Assert.False(SolanaChunkAttestation.Verifies(Own, digest, signature));
    }

    private static string? Check(byte[] message) => SettleCoSignCheck.Refusal(message, Attested, Escrow, Own, Operators, null);

    private static byte[] Honest() => Message(Build(Attested).Instructions);

    private static byte[] Message(IReadOnlyList<Instruction> instructions) => MessageCompiler.Compile(Payer, instructions, Blockhash).Serialize();

    private static ChunkTransaction Build(SettlementChunk chunk, IReadOnlySet<(Bytes32 Owner, Bytes32 Mint)>? missing = null, Bytes32[]? attestors = null, AddressLookupTable? table = null) =>
        ChunkTransactionBuilder.Build(chunk, Escrow, Payer, attestors ?? [Own, Other], 1, missing ?? new HashSet<(Bytes32, Bytes32)>(), table);
}
