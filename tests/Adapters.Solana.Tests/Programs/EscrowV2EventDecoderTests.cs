using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Programs;

/// <summary>The v2 events, hand-built from programs/solana/README.md's layouts (ClaimCreated and Claimed are also checked against the program's own bytes and JS decoder in the integration tests).</summary>
public sealed class EscrowV2EventDecoderTests
{
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Decode_SignerSetEvent_VariableLengthWithItsSigners(byte tag)
    {
        var payload = new byte[19 + 64];
        payload[0] = tag;
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(1), 2);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(9), 1_767_229_200);
        payload[17] = 2;
        payload[18] = 2;
        payload.AsSpan(19, 32).Fill(0xaa);
        payload.AsSpan(51, 32).Fill(0xbb);

        var decoded = EscrowEventDecoder.Decode(payload);

        var expected = new[] { new Bytes32(Enumerable.Repeat((byte)0xaa, 32).ToArray()), new Bytes32(Enumerable.Repeat((byte)0xbb, 32).ToArray()) };
        if (tag == 11)
        {
            var e = Assert.IsType<SignerSetProposedEvent>(decoded);
            Assert.Equal((2ul, 1_767_229_200L, (byte)2), (e.Version, e.ActivatesAt, e.Threshold));
            Assert.Equal(expected, e.Signers);
        }
        else
        {
            var e = Assert.IsType<SignerSetActivatedEvent>(decoded);
            Assert.Equal((2ul, 1_767_229_200L, (byte)2), (e.Version, e.ActivatedAt, e.Threshold));
            Assert.Equal(expected, e.Signers);
        }

        Assert.Throws<EscrowEventException>(() => EscrowEventDecoder.Decode(payload.AsSpan(0, payload.Length - 1)));
    }

    [Fact]
    public void Decode_ClaimCreatedAdminChangedMintRegistered_FixedLayouts()
    {
        var claim = new byte[154];
        claim[0] = 9;
        claim.AsSpan(1, 32).Fill(1);
        claim.AsSpan(33, 32).Fill(2);
        BinaryPrimitives.WriteUInt64LittleEndian(claim.AsSpan(65), 5);
        BinaryPrimitives.WriteUInt64LittleEndian(claim.AsSpan(73), 9);
        claim[81] = 2;
        claim.AsSpan(82, 32).Fill(3);
        BinaryPrimitives.WriteUInt64LittleEndian(claim.AsSpan(114), 7);
        claim.AsSpan(122, 32).Fill(4);
        var c = Assert.IsType<ClaimCreatedEvent>(EscrowEventDecoder.Decode(claim));
        Assert.Equal((5ul, 9ul, ActionKind.Payout, 7ul, (byte)4), (c.Amount, c.ClaimTotal, c.Kind, c.Epoch, c.Destination.ToArray()[0]));

        var admin = new byte[66];
        admin[0] = 13;
        admin[1] = 1;
        admin.AsSpan(2, 32).Fill(5);
        var a = Assert.IsType<AdminChangedEvent>(EscrowEventDecoder.Decode(admin));
        Assert.Equal((byte)1, a.Kind);
        Assert.True(a.PendingAdmin.IsZero);

        var mint = new byte[97];
        mint[0] = 14;
        Assert.IsType<MintRegisteredEvent>(EscrowEventDecoder.Decode(mint));
        Assert.Throws<EscrowEventException>(() => EscrowEventDecoder.Decode(mint.AsSpan(0, 96)));
    }

    // kind u8 | ref [32] (source intent id, or the Withdraw leaf) | mint [32] | amount u64 | epoch u64
    [Fact]
    public void Decode_SelfTransferSkipped_FixedLayout()
    {
        var e = new byte[82];
        e[0] = 15;
        e[1] = 3;
        e.AsSpan(2, 32).Fill(6);
        e.AsSpan(34, 32).Fill(7);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(66), 2_000_000);
        BinaryPrimitives.WriteUInt64LittleEndian(e.AsSpan(74), 4);
        var s = Assert.IsType<SelfTransferSkippedEvent>(EscrowEventDecoder.Decode(e));
        Assert.Equal((ActionKind.Withdraw, (byte)6, (byte)7, 2_000_000ul, 4ul), (s.Kind, s.Ref.ToArray()[0], s.Mint.ToArray()[0], s.Amount, s.Epoch));
        Assert.Throws<EscrowEventException>(() => EscrowEventDecoder.Decode(e.AsSpan(0, 81)));
    }
}
