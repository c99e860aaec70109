using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

// Three operator seats, each with its own key, over the escrow's 2-of-3 signer set on the real dev node: one
// operator's signature alone is refused by the program; with a second operator's co-signature (asked over the exact
// message, checked by SettleCoSigner) the chunk applies. Seat 1 never answers: the submitter asks seat 2 next.
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class CoSigningIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    [Theory]
    [InlineData(false, 141ul)]
    [InlineData(true, 142ul)]
    public async Task SubmitAsync_ThreeSeats_AppliedOnlyWithASecondOperatorsCoSignature(bool lookupTable, ulong epoch)
    {
        var scenario = await LegScenario.CreateAsync(node, $"cosign-{epoch}", epoch, releases: 0, refunds: 1, payouts: 2, withdraw: false);
        using var payer = DevnodeFixture.Key($"cosign-payer-{epoch}");
        await node.FundSolAsync(payer.PublicKey);
        var options = node.Options();
        options.LookupTable = lookupTable ? SolanaClusterOptions.AutoLookupTable : null;
        Bytes32[] operators = [.. node.Signers.Select(s => s.PublicKey)];
        var seats = node.Signers.Select(k => new SettleCoSigner(node.Rpc, options, new LocalKeypairSigner(k), operators)).ToArray();
        var others = new SeatCoSigners(seats[1..], silent: seats[1].PublicKey);
        var submitter = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(payer), [new LocalKeypairSigner(node.Signers[0])], coSigners: others);
        var chunks = LegScenario.Plan(scenario.Leg, submitter);

        var alone = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(payer), [new LocalKeypairSigner(node.Signers[0])]);
        var refused = await Assert.ThrowsAsync<ChunkSubmissionException>(() => alone.SubmitAsync(chunks[0], default));
        output.WriteLine($"one operator's signature: {refused.Error}\n  {string.Join("\n  ", refused.Logs)}");
        Assert.Equal("BelowThreshold", refused.Error?.ProgramErrorName);
        Assert.Null(await node.Rpc.GetAccountInfoAsync(node.Escrow.ReceiptAddress(epoch, chunks[0].Index), Commitment.Confirmed, default));

        foreach (var chunk in chunks)
        {
            var result = await submitter.SubmitAsync(chunk, default);
            Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
            var receipt = EscrowReceipt.Decode((await node.Rpc.GetAccountInfoAsync(node.Escrow.ReceiptAddress(epoch, chunk.Index), Commitment.Confirmed, default))!.Data);
            Assert.Equal(chunk.ChunkHash(), receipt.ChunkHash);
        }

        Assert.Empty(others.Refusals);
        Assert.Equal(chunks.Count, others.Signed[seats[2].PublicKey]);
        Assert.False(others.Signed.ContainsKey(seats[1].PublicKey));
        var after = await scenario.BalancesAsync(node);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), after.Payouts);
    }

    // A node that follows a root it did not choose: its own attestor stays out of the settle and two other operators
    // co-sign it (the threshold without it); the program applies the chunk and the own key signed nothing.
    [Fact]
    public async Task SubmitAsync_OwnAttestorFollowsAnotherRoot_TwoOthersCoSignAndTheOwnKeySignsNothing()
    {
        const ulong epoch = 143;
        var scenario = await LegScenario.CreateAsync(node, $"cosign-{epoch}", epoch, releases: 0, refunds: 1, payouts: 1, withdraw: false);
        using var payer = DevnodeFixture.Key($"cosign-payer-{epoch}");
        await node.FundSolAsync(payer.PublicKey);
        var options = node.Options();
        Bytes32[] operators = [.. node.Signers.Select(s => s.PublicKey)];
        var seats = node.Signers.Select(k => new SettleCoSigner(node.Rpc, options, new LocalKeypairSigner(k), operators)).ToArray();
        var others = new SeatCoSigners(seats[1..], silent: default) { OwnAttestorsSign = false };
        var own = new CountingSigner(new LocalKeypairSigner(node.Signers[0]));
        var submitter = new ChunkSubmitter(node.Rpc, options, new LocalKeypairSigner(payer), [own], coSigners: others);

        foreach (var chunk in LegScenario.Plan(scenario.Leg, submitter))
        {
            Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunk, default)).Outcome);
        }

        Assert.Empty(others.Refusals);
        Assert.Equal(others.Signed[seats[1].PublicKey], others.Signed[seats[2].PublicKey]);
        Assert.True(others.Signed[seats[1].PublicKey] > 0);
        Assert.Equal(0, own.Signatures);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    private sealed class CountingSigner(ITransactionSigner inner) : ITransactionSigner
    {
        public int Signatures { get; private set; }

        public Bytes32 PublicKey => inner.PublicKey;

        public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            Signatures++;
            return inner.SignAsync(message, cancellationToken);
        }
    }
}
