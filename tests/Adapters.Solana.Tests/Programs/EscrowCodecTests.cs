using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Tests.Codec;
using DiscreteExec.Adapters.Solana.Tests.Vectors;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Programs;

public sealed class EscrowCodecTests
{
    private static readonly EscrowProgram Escrow = new(Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw"));
    private static readonly Bytes32 Mint = Base58.DecodeKey(Address("ata", 0, "mint"));
    private static readonly Bytes32 Alice = Base58.DecodeKey(Address("ata", 0, "owner"));
    private static readonly Bytes32 Bob = Base58.DecodeKey(Address("ata", 1, "owner"));
    private static readonly Bytes32 Carol = Base58.DecodeKey(Address("ata", 2, "owner"));
    private static readonly Bytes32 AtaAlice = Base58.DecodeKey(Address("ata", 0, "address"));
    private static readonly Bytes32 AtaBob = Base58.DecodeKey(Address("ata", 1, "address"));
    private static readonly Bytes32 AtaCarol = Base58.DecodeKey(Address("ata", 2, "address"));

    [Fact]
    public void Addresses_KitVectors_Match()
    {
        var pdas = KitVectors.Array("pdas").ToDictionary(p => p.Str("name"), p => p.Str("address"));
        Assert.Equal(pdas["config"], Base58.EncodeKey(Escrow.Config));
        Assert.Equal(pdas["authority"], Base58.EncodeKey(Escrow.Authority));
        Assert.Equal(pdas["pool"], Base58.EncodeKey(Escrow.PoolAddress(Mint)));
        Assert.Equal(pdas["vault"], Base58.EncodeKey(Escrow.VaultAddress(Mint)));
        Assert.Equal(pdas["receipt"], Base58.EncodeKey(Escrow.ReceiptAddress(7, 3)));
        Assert.Equal(pdas["intent"], Base58.EncodeKey(Escrow.IntentAddress(new Bytes32(Sha("some-intent")))));
        Assert.Equal(pdas["paid"], Base58.EncodeKey(Escrow.PaidMarkerAddress(new Bytes32(Sha("some-source")))));
        Assert.Equal(pdas["withdrawn"], Base58.EncodeKey(Escrow.WithdrawMarkerAddress(new Bytes32(Sha("some-leaf")))));
        Assert.Equal(pdas["claim"], Base58.EncodeKey(Escrow.ClaimAddress(Alice, Mint)));
    }

    [Fact]
    public void Instructions_KitAndProgramEncoder_SameBytesAndAccounts()
    {
        AssertSame("escrow.initialize", Escrow.Initialize(Alice, new ChainId(900001), 3600, 7200, 2, [Alice, Bob]));
        AssertSame("escrow.createPool", Escrow.CreatePool(Alice, Mint));
        var open = new OpenIntentParams(Mint, 2_500_000, new ChainId(31337), new Bytes32(Sha("out-token")),
            UInt256.FromBigInteger((System.Numerics.BigInteger.One << 200) + 12345), new Bytes32(Sha("recipient")), 1767229200);
        AssertSame("escrow.open", Escrow.Open(Alice, AtaAlice, open, new ChainId(900001), 5));
        AssertSame("escrow.fund", Escrow.Fund(Alice, AtaAlice, Mint, 777));
        AssertSame("escrow.settleRelease", Escrow.Settle(Alice, new ChainId(900001), 7, 2, new Bytes32(Sha("root")), [Alice, Bob],
            [new EscrowSettleAction(ActionKind.Release, new Bytes32(Sha("i0")), Bytes32.Zero, 0, Mint, default)]));
        AssertSame("escrow.settle", Escrow.Settle(Alice, new ChainId(900001), 7, 3, new Bytes32(Sha("root")), [Alice, Bob],
        [
            new EscrowSettleAction(ActionKind.Refund, new Bytes32(Sha("i1")), Alice, 10, Mint, AtaAlice),
            new EscrowSettleAction(ActionKind.Payout, new Bytes32(Sha("i2")), Bob, 20, Mint, AtaBob),
            new EscrowSettleAction(ActionKind.Withdraw, Bytes32.Zero, Carol, 30, Mint, AtaCarol),
        ]));
        AssertSame("escrow.refundExpired", Escrow.RefundExpired(new Bytes32(Sha("i1")), Mint, AtaAlice));
        AssertSame("escrow.proposeSigners", Escrow.ProposeSigners([Alice, Bob], 1, [Bob]));
        AssertSame("escrow.activateSigners", Escrow.ActivateSigners());
        AssertSame("escrow.proposeAdmin", Escrow.ProposeAdmin(Alice, Bob));
        AssertSame("escrow.acceptAdmin", Escrow.AcceptAdmin(Bob));
        AssertSame("escrow.claim", Escrow.Claim(Alice, Mint, AtaBob));
        AssertSame("escrow.setPaused", Escrow.SetPaused(Alice, true));
        AssertSame("escrow.setDestinationChain", Escrow.SetDestinationChain(Alice, new ChainId(31337), true));
    }

    [Fact]
    public void TokenSystemAndAta_KitVectors_SameBytesAndAccounts()
    {
        AssertSame("token.initializeMint2", TokenProgram.InitializeMint2(Mint, 6, Alice));
        AssertSame("token.initializeAccount3", TokenProgram.InitializeAccount3(AtaAlice, Mint, Alice));
        AssertSame("token.mintTo", TokenProgram.MintTo(Mint, AtaAlice, Alice, 1_000_000));
        AssertSame("token.transfer", TokenProgram.Transfer(AtaAlice, AtaBob, Alice, 42));
        AssertSame("token.setAuthorityAccountOwner", TokenProgram.SetAccountOwner(AtaAlice, Alice, Bob));
        AssertSame("ata.createIdempotent", AssociatedTokenProgram.CreateIdempotent(Alice, Bob, Mint));
        AssertSame("system.createAccount", SystemProgram.CreateAccount(Alice, Mint, 1461600, 82, WellKnown.TokenProgram));
        AssertSame("system.transfer", SystemProgram.Transfer(Alice, Bob, 5000));
    }

    [Fact]
    public void IntentId_ReadmeAndProgramVectors_MatchCore()
    {
        foreach (var v in KitVectors.Array("intentIds"))
        {
            var id = Core.Intents.IntentId.Compute(new ChainId(ulong.Parse(v.Str("chainId"))), new Bytes32(v.Hex("escrowHex")), ulong.Parse(v.Str("nonce")));
            Assert.Equal(v.Hex("idHex"), id.ToArray());
        }

        Assert.Equal(KitVectors.Instruction("escrow.open").Hex("intentIdHex"), Core.Intents.IntentId.Compute(new ChainId(900001), Escrow.ProgramId, 5).ToArray());
    }

    [Fact]
    public void ErrorNames_ReadmeTable_Named()
    {
        Assert.Equal("ChunkAlreadyApplied", EscrowErrors.NameOf(22));
        Assert.Equal("InvalidActionField", EscrowErrors.NameOf(30));
        Assert.Equal("InvalidInstruction", EscrowErrors.NameOf(1));
        Assert.Equal("MixedChunk", EscrowErrors.NameOf(31));
        Assert.Equal("Undeliverable", EscrowErrors.NameOf(37));
        Assert.Null(EscrowErrors.NameOf(38));
        Assert.Null(EscrowErrors.NameOf(0));
    }

    private static void AssertSame(string vector, Instruction ours)
    {
        var expected = TransactionTests.ToInstruction(KitVectors.Instruction(vector));
        Assert.Equal(expected.ProgramId, ours.ProgramId);
        Assert.Equal(Convert.ToHexString(expected.Data.Span), Convert.ToHexString(ours.Data.Span));
        Assert.Equal(expected.Accounts, ours.Accounts);
    }

    private static string Address(string array, int index, string property) => KitVectors.Array(array).ElementAt(index).Str(property);

    private static byte[] Sha(string label) => System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(label));
}
