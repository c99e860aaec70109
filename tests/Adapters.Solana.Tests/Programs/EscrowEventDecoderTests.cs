using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;

namespace DiscreteExec.Adapters.Solana.Tests.Programs;

public sealed class EscrowEventDecoderTests
{
    internal static readonly Bytes32 ProgramId = Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw");

    /// <summary>An IntentOpened payload assembled at the README's byte offsets (233 bytes).</summary>
    internal static byte[] IntentOpened(ulong nonce, ulong chainId = 900001, long deadline = 1_767_229_200)
    {
        var b = new byte[233];
        b[0] = 1;
        Core.Intents.IntentId.Compute(new ChainId(chainId), ProgramId, nonce).CopyTo(b.AsSpan(1));
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(33), nonce);
        b.AsSpan(41, 32).Fill(0x11);
        b.AsSpan(73, 32).Fill(0x22);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(105), 2_500_000);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(113), 31337);
        b.AsSpan(121, 32).Fill(0x33);
        b[153 + 31] = 0x01; // minOutputAmount big-endian = 2^248 + 1
        b[153] = 0x01;
        b.AsSpan(185, 32).Fill(0x44);
        BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(217), deadline);
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(225), chainId);
        return b;
    }

    [Fact]
    public void DecodeBase64_IntentOpened_EveryFieldToCoreIntent()
    {
        var evt = Assert.IsType<IntentOpenedEvent>(EscrowEventDecoder.DecodeBase64(Convert.ToBase64String(IntentOpened(5))));
        var intent = evt.ToIntent(new ChainId(900001), ProgramId);
        Assert.Equal(Core.Intents.IntentId.Compute(new ChainId(900001), ProgramId, 5), intent.IntentId);
        Assert.Equal(5ul, intent.DepositNonce);
        Assert.Equal(new Bytes32(Enumerable.Repeat((byte)0x11, 32).ToArray()), intent.Depositor);
        Assert.Equal(new Bytes32(Enumerable.Repeat((byte)0x22, 32).ToArray()), intent.InputToken);
        Assert.Equal((UInt256)2_500_000ul, intent.InputAmount);
        Assert.Equal(new ChainId(31337), intent.DestinationChainId);
        Assert.Equal(new Bytes32(Enumerable.Repeat((byte)0x33, 32).ToArray()), intent.OutputToken);
        Assert.Equal(UInt256.FromBigInteger((System.Numerics.BigInteger.One << 248) + 1), intent.MinOutputAmount);
        Assert.Equal(new Bytes32(Enumerable.Repeat((byte)0x44, 32).ToArray()), intent.Recipient);
        Assert.Equal(1_767_229_200ul, intent.FillDeadline);
        Assert.Equal(new ChainId(900001), intent.OriginChainId);
    }

    [Fact]
    public void ToIntent_OtherClusterChainId_Throws() =>
        Assert.Throws<EscrowEventException>(() => ((IntentOpenedEvent)EscrowEventDecoder.Decode(IntentOpened(1, chainId: 5))).ToIntent(new ChainId(900001), ProgramId));

    [Fact]
    public void ToIntent_IdNotKeccakOfNonce_Throws()
    {
        var payload = IntentOpened(1);
        payload[1] ^= 0xff;
        Assert.Throws<EscrowEventException>(() => ((IntentOpenedEvent)EscrowEventDecoder.Decode(payload)).ToIntent(new ChainId(900001), ProgramId));
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("CQ==")]
    [InlineData("AQID")]
    [InlineData("AQ== AQ==")]
    public void DecodeBase64_Malformed_ThrowsEscrowEventException(string text) =>
        Assert.Throws<EscrowEventException>(() => EscrowEventDecoder.DecodeBase64(text));

    [Fact]
    public void Decode_LegApplied_Fields()
    {
        var b = new byte[81];
        b[0] = 6;
        BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(1), 7);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(9), 3);
        b.AsSpan(13, 32).Fill(0xaa);
        b.AsSpan(45, 32).Fill(0xbb);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(77), 9);
        var e = Assert.IsType<LegAppliedEvent>(EscrowEventDecoder.Decode(b));
        Assert.Equal((7ul, 3u, 9u), (e.Epoch, e.Chunk, e.ActionCount));
        Assert.Equal(new Bytes32(Enumerable.Repeat((byte)0xbb, 32).ToArray()), e.BatchRoot);
    }

    [Fact]
    public void ProgramDataLines_OtherProgramsAndLookalikeLogs_OnlyOursTaken()
    {
        var ours = Base58.EncodeKey(ProgramId);
        string[] logs =
        [
            "Program ComputeBudget111111111111111111111111111111 invoke [1]",
            "Program ComputeBudget111111111111111111111111111111 success",
            "Program Other1111111111111111111111111111111111111 invoke [1]",
            "Program data: b3RoZXI=",
            $"Program {ours} invoke [2]",
            "Program log: invoke [ success",
            "Program data: AQ==",
            $"Program {ours} success",
            "Program data: dGFpbA==",
            "Program Other1111111111111111111111111111111111111 success",
            $"Program {ours} invoke [1]",
            "Program data: Ag==",
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [2]",
            "Program data: dG9rZW4=",
            "Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA success",
            "Program data: Aw==",
            $"Program {ours} consumed 1000 of 200000 compute units",
            $"Program {ours} success",
        ];
        Assert.Equal(["AQ==", "Ag==", "Aw=="], EscrowEventDecoder.ProgramDataLines(logs, ProgramId));
    }
}
