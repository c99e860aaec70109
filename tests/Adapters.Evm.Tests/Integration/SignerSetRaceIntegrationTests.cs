using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>A signer set activated between signing a chunk and sending it: the submitter signs again under the new version.</summary>
[Trait("Category", "Integration")]
public sealed class SignerSetRaceIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public SignerSetRaceIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Submit_SignerSetActivatedAfterSigning_SignsAgainAndApplies()
    {
        await _bed.FundPoolAsync(1_000);
        await _bed.FundAsync(_bed.Owner);
        using var relayerSender = _bed.CreateSender();
        using var ownerSender = _bed.CreateSender(key: _bed.Owner);
        var signers = _bed.Signers.Select(k => (ILegSigner)new LocalLegSigner(k)).ToArray();
        var rotation = new SignerSetRotation(_bed.Rpc, ownerSender, signers, _bed.Options(), TimeProvider.System);
        await rotation.ProposeAsync([.. _bed.Signers.Select(k => k.Address)], 2, CancellationToken.None);
        await _bed.AdvanceTimeAsync(EscrowTestbed.SignerSetDelaySeconds + (ulong)SignerSetRotation.InclusionMargin.TotalSeconds);

        // Signer a activates the pending set (as anyone may) right after signing its first digest, under version 1.
        var racing = new ActivatingSigner(signers[0], () => rotation.ActivateAsync(CancellationToken.None));
        var submitter = new ChunkSubmitter(_bed.Rpc, relayerSender, [racing, signers[1]], _bed.Options(), NullLogger<ChunkSubmitter>.Instance);
        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("race-payee").PublicKey);
        var chunk = TestChunks.Single(Chain, 30, [new SettlementAction(ActionKind.Payout, Keccak256.Hash([30]), _bed.Token.ToBytes32(), payee.ToBytes32(), 9)]);

        var result = await submitter.SubmitAsync(chunk, CancellationToken.None);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal([1UL, 2UL], racing.VersionsSigned);
        Assert.Equal((UInt256)9, await _bed.TokenBalanceAsync(payee));
    }

    private sealed class ActivatingSigner(ILegSigner inner, Func<Task<ulong>> activate) : ILegSigner
    {
        public List<ulong> VersionsSigned { get; } = [];

        public EvmAddress Address => inner.Address;

        public async Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
        {
            var signature = await inner.SignAsync(chunk, cancellationToken);
            VersionsSigned.Add(chunk.SignerSetVersion);
            if (VersionsSigned.Count == 1)
            {
                await activate();
            }

            return signature;
        }

        public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) => inner.SignAsync(signerSet, cancellationToken);
    }
}
