using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Watching;

public class ReconcileReorgTests
{
    [Fact]
    public async Task Reconcile_ReorgBetweenScanAndRecovery_OldForkIntentIsRetractedOrReplaced()
    {
        // Old fork: block 2 opens nonce 1 (amount 1000, seen by the scan), block 4 opens nonce 2 (its log dropped by
        // the provider), block 5 is the scanned-to block.
        var chain = new FakeChain(); // block 0
        chain.Mine(FakeChain.IntentOpened(0));                  // 1
        chain.Mine(FakeChain.IntentOpened(1, amount: 1_000));   // 2
        chain.Mine();                                           // 3
        chain.Mine(FakeChain.IntentOpened(2, amount: 2_000));   // 4
        chain.Mine();                                           // 5
        chain.DropLog = (filter, log) => filter.Topic1 is null && Nonce(log) == 2;

        // The reorg lands after the scan's before/after hash check, before reconciliation's eth_calls (by number).
        chain.BeforeCall = () =>
        {
            chain.Reorg(2);
            chain.Mine(FakeChain.IntentOpened(1, amount: 7_777)); // 2': nonce 1 now opens a different intent
            chain.Mine();                                         // 3'
            chain.Mine(FakeChain.IntentOpened(2, amount: 2_000)); // 4'
            chain.Mine();                                         // 5'
            chain.DropLog = (_, _) => false;
        };

        var watcher = Watcher(chain, new InMemoryCheckpointStore());
        var sink = new CollectingSink();
        for (var i = 0; i < 20; i++)
        {
            await watcher.PollOnceAsync(sink, CancellationToken.None);
        }

        // Net view of the sink: last observation per intent id unless retracted after it.
        var net = new Dictionary<DiscreteExec.Core.Bytes32, ulong>();
        foreach (var batch in sink.Batches)
        {
            foreach (var r in batch.Retracted)
            {
                net.Remove(r.IntentId);
            }

            foreach (var o in batch.Observed)
            {
                net[o.Intent.IntentId] = o.Intent.InputAmount.AsUInt64;
            }
        }

        var id1 = DiscreteExec.Core.Intents.IntentId.Compute(FakeChain.Chain, FakeChain.Escrow.ToBytes32(), 1);
        Assert.True(net.ContainsKey(id1), "nonce 1 is not reported at all");
        Assert.Equal(7_777UL, net[id1]); // the canonical chain's intent, not the reorganised-out one
    }

    private static ulong Nonce(EvmLog log) => new IntentOpenedDecoder(FakeChain.Chain, FakeChain.Escrow).Decode(log.Topics, log.Data).DepositNonce;

    private static EscrowWatcher Watcher(FakeChain chain, ICheckpointStore<WatcherCheckpoint> store)
    {
        var options = new EvmChainOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/") },
            ChainId = FakeChain.Chain.Value,
            EscrowAddress = FakeChain.Escrow.ToString(),
            ConfirmationDepth = 0,
            MaxBlockRange = 10,
            ReconcileInterval = TimeSpan.FromMinutes(1),
        };
        return new EscrowWatcher(chain, options, store, TimeProvider.System, NullLogger<EscrowWatcher>.Instance);
    }
}
