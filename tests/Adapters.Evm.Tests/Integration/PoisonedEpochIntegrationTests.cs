using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>
/// Issue 9's poisoned chunk on the EVM half, end to end through the adapter: a depositor opens a good intent X1 and
/// an intent X2, then gets itself blocklisted so that X2's refund cannot be delivered. The Release chunk and the
/// transfer chunk both apply, X2's refund becomes a claim, and X1 (released) can never be refunded as well.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PoisonedEpochIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public PoisonedEpochIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Settle_BlockedDepositorsRefundInTheEpoch_HonestChunkAppliesAndReleasedIntentIsNotRefundable()
    {
        var mallory = EscrowTestbed.Key("mallory");
        var honest = EvmAddress.FromPublicKey(EscrowTestbed.Key("poison-honest").PublicKey);
        await _bed.FundAsync(mallory);
        await _bed.FundPoolAsync(5_000);
        var deadline = (await _bed.Rpc.GetBlockAsync(BlockTag.Latest, CancellationToken.None))!.Timestamp + 3_600;
        var x1 = await OpenAsync(mallory, 1_000, 1, deadline);
        var x2 = await OpenAsync(mallory, 500, 2, deadline);
        await _bed.SendAsync(_bed.Owner, _bed.Token, TestTokenAbi.SetBlocked(mallory.Address, true));

        var chunks = TestChunks.Of(Chain, 40, [
            new SettlementAction(ActionKind.Release, x1, _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Refund, x2, _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, Keccak256.Hash([40]), _bed.Token.ToBytes32(), honest.ToBytes32(), 700),
        ]);
        using var sender = _bed.CreateSender();
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, _bed.Signers.Take(2).Select(k => (ILegSigner)new LocalLegSigner(k)), _bed.Options(), NullLogger<ChunkSubmitter>.Instance);
        foreach (var chunk in chunks)
        {
            Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunk, CancellationToken.None)).Outcome);
        }

        Assert.Equal((UInt256)700, await _bed.TokenBalanceAsync(honest));
        Assert.Equal(2, await _bed.IntentStatusAsync(x1));
        Assert.Equal(3, await _bed.IntentStatusAsync(x2));
        Assert.Equal((UInt256)500, IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Claimable(_bed.Token, mallory.Address)), BlockTag.Latest, CancellationToken.None)));

        await _bed.AdvanceTimeAsync(3_600 + EscrowTestbed.GraceSeconds + 1);
        var refund = await Assert.ThrowsAsync<EvmRevertException>(() => _bed.Rpc.CallAsync(
            new CallRequest(_bed.Escrow, IntentEscrowAbi.RefundExpired(x1)) { From = mallory.Address }, BlockTag.Latest, CancellationToken.None));
        Assert.Equal("IntentNotOpen", refund.ErrorName);
    }

    private async Task<Bytes32> OpenAsync(EvmKey user, UInt256 amount, ulong salt, ulong deadline)
    {
        var nonce = IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;
        await _bed.OpenIntentAsync(user, amount, salt, deadline);
        return IntentId.Compute(Chain, _bed.Escrow.ToBytes32(), nonce);
    }
}
