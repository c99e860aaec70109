using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Governance;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class SignerSetRotationIntegrationTests(DevnodeFixture node)
{
    // Protocol v2 rule 5 on a real cluster: the admin alone cannot touch the attestor set; a threshold of the current
    // attestors proposes; the set activates only once the cluster clock (warped by the dev node, no sleeping) passes
    // the delay fixed at Initialize. The fixture's set is re-proposed unchanged so the other tests keep their signers.
    [Fact]
    public async Task Rotation_ThresholdOfCurrentAttestorsPropose_ActivatesOnlyAfterTheDelay()
    {
        var rotation = new SignerSetRotation(node.Rpc, node.Options());
        var admin = new LocalKeypairSigner(node.Admin);
        var signers = node.Signers.Select(s => s.PublicKey).ToArray();
        var start = await node.ConfigAsync();

        var byAdmin = await Assert.ThrowsAsync<SolanaTransactionException>(() => rotation.ProposeAsync(admin, [admin], 1, [node.Admin.PublicKey], default));
        Assert.Equal("SignerNotRegistered", byAdmin.Error.ProgramErrorName);
        var byOne = await Assert.ThrowsAsync<SolanaTransactionException>(() => rotation.ProposeAsync(admin, [new LocalKeypairSigner(node.Signers[2])], 1, signers, default));
        Assert.Equal("BelowThreshold", byOne.Error.ProgramErrorName);

        var now = await rotation.ClusterTimeAsync(default);
        var pending = await rotation.ProposeAsync(admin, [new LocalKeypairSigner(node.Signers[1]), new LocalKeypairSigner(node.Signers[2])], 2, signers, default);
        Assert.Equal(signers, pending.Signers);
        Assert.InRange(pending.ActivatesAt, now + (long)DevnodeFixture.ActivationDelaySeconds, now + (long)DevnodeFixture.ActivationDelaySeconds + 5);
        var early = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.SendAsync([node.Escrow.ActivateSigners()], node.Admin));
        Assert.Equal("TooEarly", early.Error.ProgramErrorName);

        await node.Rpc.CallAsync("devnode_warpToTimestamp", w => w.WriteNumberValue(pending.ActivatesAt), _ => 0, default);
        try
        {
            var config = await rotation.ActivateWhenDueAsync(admin, default);
            Assert.Equal(start.SignerSetVersion + 1, config.SignerSetVersion);
            Assert.Equal(signers, config.Signers);
            Assert.Null(config.PendingSigners);
        }
        finally
        {
            // Back to wall time, so intents other tests open with wall-clock deadlines stay open.
            await node.Rpc.CallAsync("devnode_warpToTimestamp", w => w.WriteNumberValue(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), _ => 0, default);
        }
    }
}
