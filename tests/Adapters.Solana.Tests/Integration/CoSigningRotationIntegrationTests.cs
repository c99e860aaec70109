using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Adapters.Solana.Governance;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

// Signer-set rotation while a co-signed settle is in flight, on the real dev node: the escrow's 2-of-3 set replaces
// operator 2's key after the submitter built and operator 2 (still on its old key) signed the settle. The old-set
// transaction is refused (SignerNotRegistered); the submitter re-reads the set and has it re-signed by a registered
// operator: the chunk applies, nothing is stuck. Operator 2's node, updated to its new key, then co-signs settles.
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class CoSigningRotationIntegrationTests(DevnodeFixture node)
{
    [Fact]
    public async Task SubmitAsync_SignerSetRotatesWhileCoSignaturesAreAwaited_ReSignedUnderTheNewSetAndApplied()
    {
        var before = await LegScenario.CreateAsync(node, "rotate-144", 144, releases: 0, refunds: 1, payouts: 2, withdraw: false);
        var afterwards = await LegScenario.CreateAsync(node, "rotate-145", 145, releases: 0, refunds: 1, payouts: 1, withdraw: false);
        using var payer = DevnodeFixture.Key("rotate-payer");
        using var replacement = DevnodeFixture.Key("signer-2-rotated");
        await node.FundSolAsync(payer.PublicKey);
        var options = node.Options();
        var rotation = new SignerSetRotation(node.Rpc, options);
        Bytes32[] original = [.. node.Signers.Select(s => s.PublicKey)];
        Bytes32[] rotated = [original[0], replacement.PublicKey, original[2]];
        var version = (await node.ConfigAsync()).SignerSetVersion;

        // Operator 2's node still runs on its old key when the rotation activates; operator 2 is asked first.
        var oldSeats = node.Signers.Skip(1).Select(k => new SettleCoSigner(node.Rpc, options, new LocalKeypairSigner(k), original)).ToArray();
        var midFlight = new SeatCoSigners(oldSeats, silent: default) { BeforeAnswers = () => RotateAsync(rotation, [node.Signers[1], node.Signers[2]], rotated) };
        var submitter = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(payer), [new LocalKeypairSigner(node.Signers[0])], coSigners: midFlight);
        try
        {
            foreach (var chunk in LegScenario.Plan(before.Leg, submitter))
            {
                Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunk, default)).Outcome);
            }

            Assert.Equal(version + 1, (await node.ConfigAsync()).SignerSetVersion);
            Assert.Equal(rotated, (await node.ConfigAsync()).Signers);
            Assert.Equal(original[1], midFlight.Asked.First()); // signed under the old set first
            Assert.DoesNotContain(original[1], midFlight.Asked.Skip(1)); // then never named again: the set was re-read
            Assert.Equal(before.Payouts.Select(p => p.Amount), (await before.BalancesAsync(node)).Payouts);

            // Operator 2's node updated to its new key: it co-signs (operator 3 stays silent).
            var newSeats = new[] { replacement, node.Signers[2] }.Select(k => new SettleCoSigner(node.Rpc, options, new LocalKeypairSigner(k), rotated)).ToArray();
            var updated = new SeatCoSigners(newSeats, silent: original[2]);
            var next = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(payer), [new LocalKeypairSigner(node.Signers[0])], coSigners: updated);
            foreach (var chunk in LegScenario.Plan(afterwards.Leg, next))
            {
                Assert.Equal(ChunkSubmissionOutcome.Applied, (await next.SubmitAsync(chunk, default)).Outcome);
            }

            Assert.Empty(updated.Refusals);
            Assert.True(updated.Signed[replacement.PublicKey] > 0);
            Assert.Equal(afterwards.Payouts.Select(p => p.Amount), (await afterwards.BalancesAsync(node)).Payouts);
        }
        finally
        {
            // The other tests keep the fixture's signers: the rotated set proposes the original one back.
            if ((await node.ConfigAsync()).Signers.SequenceEqual(rotated))
            {
                await RotateAsync(rotation, [node.Signers[0], node.Signers[2]], original);
            }
        }
    }

    // A threshold of the current set proposes; the dev node's clock is warped past the delay, the set activated, and
    // the clock put back to wall time (intents opened with wall-clock deadlines stay open).
    private async Task RotateAsync(SignerSetRotation rotation, IReadOnlyList<SolanaKeypair> current, Bytes32[] signers)
    {
        var admin = new LocalKeypairSigner(node.Admin);
        var pending = await rotation.ProposeAsync(admin, [.. current.Select(k => new LocalKeypairSigner(k))], 2, signers, default);
        await node.Rpc.CallAsync("devnode_warpToTimestamp", w => w.WriteNumberValue(pending.ActivatesAt), _ => 0, default);
        try
        {
            await rotation.ActivateWhenDueAsync(admin, default);
        }
        finally
        {
            await node.Rpc.CallAsync("devnode_warpToTimestamp", w => w.WriteNumberValue(DateTimeOffset.UtcNow.ToUnixTimeSeconds()), _ => 0, default);
        }
    }
}
