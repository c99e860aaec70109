using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Messages;
using DiscreteExec.TestSupport;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class FaultInjectionIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    [Theory]
    [InlineData(7)]
    [InlineData(1234)]
    public async Task SubmitAndWatch_ThroughFaultyProxy_EveryChunkAppliedExactlyOnceAndEveryIntentReportedOnce(int seed)
    {
        var epoch = 200 + (ulong)seed;
        var scenario = await LegScenario.CreateAsync(node, $"faults-{seed}", epoch, releases: 2, refunds: 1, payouts: 10);
        var before = await scenario.BalancesAsync(node);
        await using var proxy = new FaultInjectingProxy(node.RpcUrl, seed, faultRate: 0.4, slowDelay: TimeSpan.FromMilliseconds(2500));
        var options = node.Options(proxy.Url);
        options.Rpc.AttemptTimeout = TimeSpan.FromSeconds(1.5);
        options.Rpc.MaxRetryAttempts = 12;
        using var http = new HttpClient();
        var faulty = new SolanaRpcClient(http, options);

        var submitter = new ChunkSubmitter(faulty, options, new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[2])]);
        var result = await LegScenario.SubmitLegAsync(submitter, scenario.Leg);

        output.WriteLine($"seed {seed}: {proxy.Stats}");
        Assert.True(proxy.Faults > 0, proxy.Stats);
        var after = await scenario.BalancesAsync(node);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), after.Payouts);
        Assert.Equal(scenario.Withdraw.Amount, after.Treasury);
        var paidOut = scenario.Payouts.Aggregate(0ul, (s, p) => s + p.Amount) + scenario.Withdraw.Amount;
        Assert.Equal(before.Pool.Pool + scenario.ReleasedTotal - paidOut, after.Pool.Pool);

        // Exactly one successful transaction ever touched each chunk's receipt.
        foreach (var chunk in result)
        {
            var touching = await node.Rpc.GetSignaturesForAddressAsync(node.Escrow.ReceiptAddress(epoch, chunk.Chunk.Index), new SignaturePage(null, null, 1000), Commitment.Confirmed, default);
            Assert.Single(touching, s => !s.Failed);
        }

        // The watcher over the same faulty proxy reports every intent of the program exactly once.
        var seen = new List<IntentObserved>();
        var watcher = new EscrowWatcher(faulty, options, new InMemoryCheckpointStore<WatcherCheckpoint>());
        await watcher.PollOnceAsync(WatcherIntegrationTests.Collect(seen), default);
        var nonces = (await node.ConfigAsync()).NextNonce;
        Assert.Equal(Enumerable.Range(0, (int)nonces).Select(i => (ulong)i), seen.Select(o => o.Intent.DepositNonce));
    }
}
