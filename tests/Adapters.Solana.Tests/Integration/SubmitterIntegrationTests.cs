using Xunit.Abstractions;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class SubmitterIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    [Fact]
    public async Task SubmitAsync_ReleasesRefundsAndManyPayouts_SettlesAcrossChunksWithExactBalances()
    {
        var scenario = await LegScenario.CreateAsync(node, "settle", epoch: 101, releases: 3, refunds: 2, payouts: 12);
        var before = await scenario.BalancesAsync(node);
        var submitter = Submitter(node.Rpc);

        var chunks = LegScenario.Plan(scenario.Leg, submitter);
        foreach (var planned in chunks)
        {
            var built = await submitter.BuildAsync(planned, createAccounts: true, default);
            output.WriteLine($"chunk {planned.Index} ({planned.Stage}): {planned.Actions.Count} actions, {built.Size} bytes, {built.ComputeUnits} CU requested");
        }

        var result = await LegScenario.SubmitLegAsync(submitter, scenario.Leg);

        Assert.True(result.Count >= 3, $"expected several transactions, got {result.Count}");
        Assert.All(result, c => Assert.Equal(ChunkSubmissionOutcome.Applied, c.Outcome));
        Assert.Equal(scenario.Leg.Actions.Count, result.Sum(c => c.ActionCount));
        Assert.All(chunks, c => Assert.True(c.Stage == ChunkStage.Release ? c.Actions.All(a => a.Kind == ActionKind.Release) : c.Actions.All(a => a.Kind != ActionKind.Release)));
        var after = await scenario.BalancesAsync(node);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), after.Payouts);
        Assert.Equal(before.Refund + scenario.Refunds.Aggregate(0ul, (s, r) => s + r.Amount), after.Refund);
        Assert.Equal(scenario.Withdraw.Amount, after.Treasury);
        var paidOut = scenario.Payouts.Aggregate(0ul, (s, p) => s + p.Amount) + scenario.Withdraw.Amount;
        Assert.Equal(before.Pool.Pool + scenario.ReleasedTotal - paidOut, after.Pool.Pool);
        Assert.Equal(before.Pool.Escrowed - scenario.ReleasedTotal - scenario.Refunds.Aggregate(0ul, (s, r) => s + r.Amount), after.Pool.Escrowed);
        foreach (var chunk in chunks)
        {
            var receipt = EscrowReceipt.Decode((await node.Rpc.GetAccountInfoAsync(node.Escrow.ReceiptAddress(101, chunk.Index), Commitment.Confirmed, default))!.Data);
            Assert.Equal(chunk.ChunkHash(), receipt.ChunkHash);
            Assert.Equal(scenario.Leg.BatchRoot, receipt.BatchRoot);
        }

        foreach (var action in scenario.Leg.Actions.Where(a => a.Kind is ActionKind.Release or ActionKind.Refund))
        {
            var intent = EscrowIntent.Decode((await node.Rpc.GetAccountInfoAsync(node.Escrow.IntentAddress(action.IntentId), Commitment.Confirmed, default))!.Data);
            Assert.Equal(action.Kind == ActionKind.Release ? EscrowIntentStatus.Released : EscrowIntentStatus.Refunded, intent.Status);
        }

        // Submitting the same leg again is a no-op: every chunk is found applied, nothing moves.
        var again = await LegScenario.SubmitLegAsync(submitter, scenario.Leg);
        Assert.All(again, c => Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, c.Outcome));
        var unchanged = await scenario.BalancesAsync(node);
        Assert.Equal(after.Payouts, unchanged.Payouts);
        Assert.Equal(after.Pool, unchanged.Pool);
    }

    [Fact]
    public async Task SendTransaction_ReplayedChunkWithFreshBlockhash_RefusedAsChunkAlreadyAppliedAndNothingMoves()
    {
        var scenario = await LegScenario.CreateAsync(node, "replay", epoch: 102, releases: 1, refunds: 0, payouts: 2);
        var submitter = Submitter(node.Rpc);
        await LegScenario.SubmitLegAsync(submitter, scenario.Leg);
        var after = await scenario.BalancesAsync(node);
        var chunk = await submitter.BuildAsync(LegScenario.Plan(scenario.Leg, submitter)[0], createAccounts: true, default);

        // A hand-built replay of chunk 0, signed anew over a newer blockhash (the same one would give the same
        // signature and AlreadyProcessed): preflight names the program error and carries the logs.
        await Task.Delay(300);
        var blockhash = await node.Rpc.GetLatestBlockhashAsync(Commitment.Confirmed, default);
        var tx = Transaction.Sign(MessageCompiler.Compile(node.Signers[0].PublicKey, chunk.Instructions, blockhash.Blockhash), [node.Signers[0], node.Signers[1]]);
        var ex = await Assert.ThrowsAsync<SolanaTransactionException>(() => node.Rpc.SendTransactionAsync(tx.Serialize(), new SendOptions(), default));
        Assert.Equal("ChunkAlreadyApplied", ex.Error.ProgramErrorName);
        Assert.Equal(RpcErrorCodes.SendTransactionPreflightFailure, ex.Code);
        Assert.NotEmpty(ex.Logs);

        // Without preflight it lands and fails on chain; balances do not move.
        var signature = await node.Rpc.SendTransactionAsync(tx.Serialize(), new SendOptions(SkipPreflight: true), default);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => node.WaitAsync(signature));
        Assert.Contains("ChunkAlreadyApplied", failure.Message);
        var unchanged = await scenario.BalancesAsync(node);
        Assert.Equal(after.Payouts, unchanged.Payouts);
        Assert.Equal(after.Pool, unchanged.Pool);
    }

    [Fact]
    public async Task SubmitAsync_SameEpochChunkWithOtherContent_ThrowsConflict()
    {
        var scenario = await LegScenario.CreateAsync(node, "conflict", epoch: 103, releases: 0, refunds: 0, payouts: 1);
        await LegScenario.SubmitLegAsync(Submitter(node.Rpc), scenario.Leg);
        var other = LegScenario.Plan(scenario.Leg with { BatchRoot = Bytes32.FromUInt64(42) }, Submitter(node.Rpc))[0];
        var ex = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(node.Rpc).SubmitAsync(other, default));
        Assert.Contains("different content", ex.Message);
    }

    [Fact]
    public async Task SubmitAsync_OneAttestorBelowThreshold_ThrowsWithProgramErrorName()
    {
        var scenario = await LegScenario.CreateAsync(node, "threshold", epoch: 104, releases: 0, refunds: 0, payouts: 1);
        var submitter = new ChunkSubmitter(node.Rpc, node.Options(), new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0])]);
        var ex = await Assert.ThrowsAsync<ChunkSubmissionException>(() => LegScenario.SubmitLegAsync(submitter, scenario.Leg));
        Assert.Equal("BelowThreshold", ex.Error?.ProgramErrorName);
        Assert.NotEmpty(ex.Logs);
    }

    internal ChunkSubmitter Submitter(ISolanaRpc rpc, Solana.Configuration.SolanaClusterOptions? options = null) =>
        new(rpc, options ?? node.Options(), new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]);
}
