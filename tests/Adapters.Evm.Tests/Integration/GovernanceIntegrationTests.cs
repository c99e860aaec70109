using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>Protocol v2 governance on a real escrow: the signer set rotates itself after the delay; tokens are registered.</summary>
[Trait("Category", "Integration")]
public sealed class GovernanceIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public GovernanceIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Rotation_ThresholdOfCurrentSet_ActivatesAfterDelayAndOldVersionSignaturesAreRefused()
    {
        var newcomer = EscrowTestbed.Key("newcomer");
        EvmAddress[] next = [_bed.Signers[1].Address, _bed.Signers[2].Address, newcomer.Address];
        using var sender = _bed.CreateSender();
        var fromBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var clock = new FakeTimeProvider();
        var rotation = new SignerSetRotation(_bed.Rpc, sender, [.. _bed.Signers.Select(k => (ILegSigner)new LocalLegSigner(k))], _bed.Options(), clock);

        var proposal = await rotation.ProposeAsync(next, 2, CancellationToken.None);

        var state = await rotation.ReadAsync(CancellationToken.None);
        Assert.Equal(1UL, state.Version);
        Assert.Equal(2UL, state.Pending.Version);
        Assert.Equal(proposal.Signers, state.Pending.Signers);
        Assert.Equal(proposal.ActivatesAt, state.Pending.ActivatesAt);
        var early = await Assert.ThrowsAsync<ChunkSubmissionException>(() => rotation.ActivateAsync(CancellationToken.None));
        Assert.Contains("activates at", early.Message, StringComparison.Ordinal);

        // Waiting for activation: the rotation polls the chain's time on the injected clock; the chain's clock moves
        // by evm_increaseTime, the poll clock by FakeTimeProvider: nothing sleeps.
        var waiting = rotation.ActivateWhenDueAsync(CancellationToken.None);
        await _bed.AdvanceTimeAsync(EscrowTestbed.SignerSetDelaySeconds + (ulong)SignerSetRotation.InclusionMargin.TotalSeconds);
        for (var polls = 0; !waiting.IsCompleted && polls < 100_000; polls++)
        {
            clock.Advance(_bed.Options().PollInterval);
            await Task.Yield();
        }

        Assert.Equal(2UL, await waiting);
        Assert.Equal(2UL, (await rotation.ReadAsync(CancellationToken.None)).Version);

        // Signer b stayed in the set, but a signature naming version 1 is refused.
        await _bed.FundPoolAsync(1_000);
        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("rotation-payee").PublicKey);
        var chunk = TestChunks.Single(Chain, 20, [new SettlementAction(ActionKind.Payout, Keccak256.Hash([20]), _bed.Token.ToBytes32(), payee.ToBytes32(), 5)]);
        var stale = new LegChunkToSign(Chain, _bed.Escrow, 20, 0, chunk.BatchRoot, chunk.Actions, SignerSetVersion: 1);
        byte[][] staleSignatures = [.. new[] { _bed.Signers[1], _bed.Signers[2] }.Select(k => k.SignHash(stale.Digest().ToArray()).ToRsv())];
        var refused = await Assert.ThrowsAsync<EvmRevertException>(() => _bed.Rpc.CallAsync(
            new CallRequest(_bed.Escrow, IntentEscrowAbi.Settle(20, 0, chunk.BatchRoot, chunk.Actions, staleSignatures)) { From = _bed.Relayer.Address }, BlockTag.Latest, CancellationToken.None));
        Assert.Equal("UnknownSigner", refused.ErrorName);

        // The new set (the newcomer plus a kept signer) settles; the submitter reads version 2 itself. It still holds
        // signer a, which the rotation removed: it signs only with keys of the current set (found in review: one
        // removed key made every chunk revert UnknownSigner).
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), new LocalLegSigner(newcomer), new LocalLegSigner(_bed.Signers[2])], _bed.Options(), NullLogger<ChunkSubmitter>.Instance);
        Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunk, CancellationToken.None)).Outcome);
        Assert.Equal((UInt256)5, await _bed.TokenBalanceAsync(payee));

        var events = await _bed.EventsSinceAsync(fromBlock);
        Assert.Contains(events, e => e is SignerSetProposed { Version: 2, Threshold: 2 } p && p.Signers.SequenceEqual(proposal.Signers) && p.ActivatesAt == proposal.ActivatesAt);
        Assert.Contains(events, e => e is SignerSetActivated { Version: 2, Threshold: 2 } a && a.Signers.SequenceEqual(proposal.Signers));
    }

    [Fact]
    public async Task Rotation_OwnerKeyAlone_IsRefusedBeforeSending()
    {
        using var sender = _bed.CreateSender();
        var rotation = new SignerSetRotation(_bed.Rpc, sender, [new LocalLegSigner(_bed.Owner)], _bed.Options(), TimeProvider.System);
        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => rotation.ProposeAsync([_bed.Owner.Address], 1, CancellationToken.None));
        Assert.Contains("only 0 of the given signers belong", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SetToken_Owner_RegistersATokenThatOpenThenAccepts()
    {
        var other = await _bed.DeployAsync(_bed.Owner, "TestToken", TestTokenAbi.ConstructorArguments("Other", "OTH", 18));
        var user = EscrowTestbed.Key("registry-user");
        await _bed.FundAsync(user);
        await _bed.SendAsync(_bed.Owner, other, TestTokenAbi.Mint(user.Address, 10));
        await _bed.SendAsync(user, other, TestTokenAbi.Approve(_bed.Escrow, 10));
        var open = IntentEscrowAbi.Open(new IntentParams(other, 10, new ChainId(EscrowTestbed.Destination), Bytes32.Zero, 1, user.Address.ToBytes32(), 4_000_000_000));

        var refused = await Assert.ThrowsAsync<EvmRevertException>(() => _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, open) { From = user.Address }, BlockTag.Latest, CancellationToken.None));
        Assert.Equal("TokenNotRegistered", refused.ErrorName);

        await _bed.SendAsync(_bed.Owner, _bed.Escrow, IntentEscrowAbi.SetToken(other, registered: true));
        Assert.True(IntentEscrowAbi.DecodeBool(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.IsTokenRegistered(other)), BlockTag.Latest, CancellationToken.None)));
        await _bed.SendAsync(user, _bed.Escrow, open);
        Assert.Equal((UInt256)10, IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(other, TestTokenAbi.BalanceOf(_bed.Escrow)), BlockTag.Latest, CancellationToken.None)));
    }
}
