using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;

namespace DiscreteExec.Adapters.Solana.Tests.Programs;

/// <summary>
/// <see cref="EscrowState.PoolMover"/>: which transactions naming a pool state account may have moved its <c>pool</c>
/// field. Keys: 0 payer, 1 pool, 2 escrow program, 3 another program, 4 another account.
/// </summary>
public sealed class PoolMoverTests
{
    private static readonly Bytes32 Payer = Bytes32.FromUInt64(10), Pool = Bytes32.FromUInt64(11), Escrow = Bytes32.FromUInt64(12), Other = Bytes32.FromUInt64(13), Account = Bytes32.FromUInt64(14);
    private static readonly IReadOnlyList<Bytes32> Keys = [Payer, Pool, Escrow, Other, Account];

    [Theory]
    [InlineData(EscrowInstruction.Open)]
    [InlineData(EscrowInstruction.RefundExpired)]
    [InlineData(EscrowInstruction.Claim)]
    public void PoolMover_EscrowInstructionWritingOnlyEscrowedOrClaims_None(EscrowInstruction tag) =>
        Assert.Null(EscrowState.PoolMover(Contents([Call(2, tag, 0, 1)], inner: null), Pool, Escrow));

    [Theory]
    [InlineData(EscrowInstruction.Fund)]
    [InlineData(EscrowInstruction.Settle)]
    [InlineData(EscrowInstruction.CreatePool)]
    [InlineData((EscrowInstruction)200)]
    public void PoolMover_EscrowInstructionThatMayWritePool_NamesIt(EscrowInstruction tag)
    {
        var why = EscrowState.PoolMover(Contents([Call(2, EscrowInstruction.Open, 0, 4), Call(2, tag, 0, 1)], inner: null), Pool, Escrow);

        Assert.NotNull(why);
        Assert.StartsWith("instruction 1 is the escrow's ", why, StringComparison.Ordinal);
    }

    [Fact]
    public void PoolMover_MovingInstructionOnAnotherPool_None() =>
        Assert.Null(EscrowState.PoolMover(Contents([Call(2, EscrowInstruction.Fund, 0, 4), Call(2, EscrowInstruction.Open, 0, 1)], inner: null), Pool, Escrow));

    [Fact]
    public void PoolMover_AnotherProgramGivenThePool_NoInnerInstructionsReported_AssumesItCalledTheEscrow() =>
        Assert.Contains("reports no inner instructions", EscrowState.PoolMover(Contents([Call(3, EscrowInstruction.Open, 0, 1)], inner: null), Pool, Escrow), StringComparison.Ordinal);

    [Fact]
    public void PoolMover_AnotherProgramGivenThePool_CallsEscrowFund_NamesIt() =>
        Assert.Equal(
            "instruction 0 calls the escrow's Fund, which may move the pool",
            EscrowState.PoolMover(Contents([Call(3, EscrowInstruction.Open, 0, 1)], Inner(0, Call(2, EscrowInstruction.Open, 0, 1), Call(2, EscrowInstruction.Fund, 0, 1))), Pool, Escrow));

    [Fact]
    public void PoolMover_AnotherProgramGivenThePool_CallsOnlyEscrowOpenOrNothing_None()
    {
        Assert.Null(EscrowState.PoolMover(Contents([Call(3, EscrowInstruction.Open, 0, 1)], Inner(0, Call(2, EscrowInstruction.Open, 0, 1))), Pool, Escrow));
        Assert.Null(EscrowState.PoolMover(Contents([Call(3, EscrowInstruction.Open, 0, 1)], Inner(1, Call(2, EscrowInstruction.Fund, 0, 1))), Pool, Escrow));
    }

    [Fact]
    public void PoolMover_IndexBeyondTheKeys_Unknown() =>
        Assert.Contains("beyond the transaction's 5 keys", EscrowState.PoolMover(Contents([Call(2, EscrowInstruction.Open, 0, 9)], inner: null), Pool, Escrow), StringComparison.Ordinal);

    private static CompiledInstruction Call(byte program, EscrowInstruction tag, params byte[] accounts) => new(program, accounts, [(byte)tag]);

    private static Dictionary<int, IReadOnlyList<CompiledInstruction>> Inner(int index, params CompiledInstruction[] invoked) => new() { [index] = invoked };

    private static TransactionContents Contents(IReadOnlyList<CompiledInstruction> instructions, IReadOnlyDictionary<int, IReadOnlyList<CompiledInstruction>>? inner) =>
        new(new Message(MessageVersion.Legacy, new MessageHeader(1, 0, 2), Keys, Bytes32.FromUInt64(1), instructions, []), Keys, inner);
}
