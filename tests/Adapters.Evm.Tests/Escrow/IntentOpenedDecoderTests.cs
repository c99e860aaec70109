using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Tests.Escrow;

public class IntentOpenedDecoderTests
{
    private readonly IntentOpenedDecoder _decoder = new(FakeChain.Chain, FakeChain.Escrow);

    [Fact]
    public void Topic0_MatchesCastAndTheArtifactAbi()
    {
        // cast keccak 'IntentOpened(bytes32,address,uint64,uint64,address,uint256,bytes32,uint256,bytes32,uint64)'
        Assert.Equal("0x7cf78f0f2462ca98fd9c3448cedeb5cc337a525204af4b2b2d8b639cdfdf6068", IntentOpenedDecoder.Topic0.ToString());
        Assert.Equal(IntentOpenedDecoder.Topic0, IntentEscrowAbi.Abi.Event("IntentOpened").Topic0);
    }

    [Fact]
    public void Decode_ValidLog_FillsEveryField()
    {
        var log = FakeChain.IntentOpened(5, amount: 1_000)(12, Bytes32.FromUInt64(12));
        var intent = _decoder.Decode(log.Topics, log.Data);
        Assert.Equal(5UL, intent.DepositNonce);
        Assert.Equal(log.Topics[1], intent.IntentId);
        Assert.Equal(log.Topics[2], intent.Depositor);
        Assert.Equal(new ChainId(900_001), intent.DestinationChainId);
        Assert.Equal(EvmAddress.Parse("0x7777777777777777777777777777777777777777").ToBytes32(), intent.InputToken);
        Assert.Equal((UInt256)1_000, intent.InputAmount);
        Assert.Equal((UInt256)999, intent.MinOutputAmount);
        Assert.Equal(Bytes32.FromUInt64(0xabc), intent.OutputToken);
        Assert.Equal(Bytes32.FromUInt64(0xdef + 5), intent.Recipient);
        Assert.Equal(4_000_000_000UL, intent.FillDeadline);
        Assert.Equal(FakeChain.Chain, intent.OriginChainId);
    }

    [Fact]
    public void Decode_IntentIdOfAnotherNonce_Throws()
    {
        var log = FakeChain.IntentOpened(5)(1, Bytes32.Zero);
        var topics = log.Topics.ToArray();
        topics[1] = Bytes32.FromUInt64(1);
        Assert.Throws<EscrowLogException>(() => _decoder.Decode(topics, log.Data));
    }

    [Fact]
    public void Decode_DirtyUint64Padding_Throws()
    {
        var log = FakeChain.IntentOpened(5)(1, Bytes32.Zero);
        var data = log.Data.ToArray();
        data[200] = 1; // inside fillDeadline's upper 24 bytes
        Assert.Throws<EscrowLogException>(() => _decoder.Decode(log.Topics, data));
    }

    [Fact]
    public void Decode_WrongLengthOrTopicCount_Throws()
    {
        var log = FakeChain.IntentOpened(5)(1, Bytes32.Zero);
        Assert.Throws<EscrowLogException>(() => _decoder.Decode(log.Topics.Take(3).ToArray(), log.Data));
        Assert.Throws<EscrowLogException>(() => _decoder.Decode(log.Topics, log.Data.AsSpan(0, 192)));
    }
}
