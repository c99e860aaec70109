using System.Diagnostics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Devnet.Traffic;

/// <summary>
/// The traffic generator on the real devnet (anvil + the Solana dev node): it opens intents both ways, one epoch
/// clears and settles them release-first, and the fate check against the chains finds nothing lost or paid twice;
/// then a payout forged on chain for a still-open intent and a forged "filled" claim are both reported.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TrafficOnDevnetTests(ITestOutputHelper output)
{
    private const int IntentCount = 40;

    [Fact]
    public async Task Generator_FortyIntentsSettledInOneEpoch_FateCheckFindsNothingLostThenReportsForgeries()
    {
        using var log = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        try
        {
            await using var devnet = await LocalDevnet.StartAsync(log, TimeProvider.System, ct);
            await devnet.Evm.FundPoolAsync(1_000_000_000_000, ct);
            await devnet.Solana.FundPoolAsync(1_000_000_000_000, ct);
            var generator = await TrafficGenerator.CreateAsync(devnet, new TrafficOptions { IntentsPerSecond = 10_000, Seed = 7 }, TimeProvider.System, ct);

            var opening = Stopwatch.StartNew();
            Assert.Equal(IntentCount, await generator.RunAsync(IntentCount, ct));
            output.WriteLine($"opened {IntentCount} intents in {opening.ElapsedMilliseconds} ms");
            var intents = generator.Opened;
            Assert.Equal(IntentCount, intents.Select(i => i.IntentId).Distinct().Count());
            Assert.Contains(intents, i => i.Origin == EvmDevChain.Chain);
            Assert.Contains(intents, i => i.Origin == SolanaDevChain.Chain);
            Assert.Contains(intents, i => i.Expected == ExpectedFate.Refunded);
            Assert.Contains(intents, i => i.Expected == ExpectedFate.Deferred);

            var registry = DevnetScenario.Registry(devnet);
            var closed = await DevnetScenario.CollectAsync(devnet, registry, IntentCount, log, TimeProvider.System, ct);
            var batch = EpochClearing.Clear(await DevnetScenario.EpochInputAsync(devnet, registry, closed, ct));
            var settled = await new LegSettlement(devnet).SubmitAsync(batch, log, ct);
            Assert.True(settled.Complete);

            var reported = batch.Filled.Select(id => (id, ReportedFate.Filled)).Concat(batch.Refunded.Select(id => (id, ReportedFate.Refunded))).ToDictionary();
            var escrows = DevnetEscrowStates.Of(devnet);
            var balances = DevnetEscrowStates.Balances(devnet);
            var clean = await IntentFateCheck.RunAsync(intents, escrows, balances, reported, null, ct);
            clean.WriteTo(log);

            Assert.True(clean.Passed, string.Join("\n", clean.Violations));
            var expectedFilled = intents.Count(i => i.Expected == ExpectedFate.Filled);
            var expectedRefunded = intents.Count(i => i.Expected == ExpectedFate.Refunded);
            Assert.Equal(
                $"{IntentCount} intents: {expectedFilled} filled, {expectedRefunded} refunded, {IntentCount - expectedFilled - expectedRefunded} still open; 0 lost, 0 double-paid",
                clean.Summary);
            Assert.Equal(intents.Where(i => i.Expected == ExpectedFate.Deferred).Select(i => i.IntentId).Order(), clean.StillOpen.Select(o => o.IntentId).Order());

            // Break it on chain: the Solana escrow pays an EVM-origin intent that is still open there (a chunk no
            // clearing produced, signed by the attestors), and the node is credited with a "filled" it never did.
            var victim = intents.First(i => i.Expected == ExpectedFate.Deferred && i.Origin == EvmDevChain.Chain);
            var forgedClaim = intents.First(i => i.Expected == ExpectedFate.Deferred && i.IntentId != victim.IntentId);
            var forged = await devnet.Solana.CreateSubmitter().SubmitAsync(
                new SettlementChunk(SolanaDevChain.Chain, closed.EpochId + 1000, 0, Bytes32.FromUInt64(0xF0F0), ChunkStage.Transfer,
                    [new SettlementAction(ActionKind.Payout, victim.IntentId, devnet.Solana.Mint, victim.Recipient, victim.MinOutput)]),
                ct);
            Assert.Equal(ChunkSubmissionOutcome.Applied, forged.Outcome);
            var lies = new Dictionary<Bytes32, ReportedFate>(reported) { [forgedClaim.IntentId] = ReportedFate.Filled };

            var broken = await IntentFateCheck.RunAsync(intents, escrows, balances, lies, null, ct);
            broken.WriteTo(log);

            Assert.False(broken.Passed);
            Assert.Equal(1, broken.DoublePaid);
            Assert.Contains(broken.Violations, v => v.IntentId == victim.IntentId && v.ChainId == SolanaDevChain.Chain && v.Kind == FateViolationKind.PaidWhileOpen);
            Assert.Contains(broken.Violations, v => v.IntentId == forgedClaim.IntentId && v.Kind == FateViolationKind.ReportedFilledNotOnChain);
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }
}
