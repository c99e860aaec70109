using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// Gap-free intake against the real dev node: the node is told to cut a transaction's logs as a validator does beyond
/// 10 KB (<c>devnode_truncateLogs</c>), and the watcher must still report every intent exactly once by reconciling
/// against the config's next nonce.
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class WatcherReconciliationIntegrationTests(DevnodeFixture node)
{
    private static readonly ChainId Chain = new(DevnodeFixture.ChainIdValue);

    [Fact]
    public async Task PollOnce_LogsTruncatedInATransactionOpeningIntents_EachIntentOnceLostOnesRecoveredWithTheOriginalFields()
    {
        using var user = DevnodeFixture.Key("reconcile-truncated");
        await PrepareAsync(user);
        var seen = new List<IntentObserved>();
        var watcher = new EscrowWatcher(node.Rpc, node.Options(), new InMemoryCheckpointStore<WatcherCheckpoint>());
        await watcher.PollOnceAsync(WatcherIntegrationTests.Collect(seen), default); // catch up with the other tests' intents

        var opened = new List<(ulong Nonce, OpenIntentParams Params)>();
        var (first, _) = await node.OpenAsync(user, Params(0));
        opened.Add((first, Params(0)));
        // One transaction opening three intents, its logs cut after 1200 bytes: the first Open's 855 bytes fit.
        await TruncateNextLogsAsync(1, 1200);
        var (batch, truncatedSignature) = await OpenManyAsync(user, 3, salt: 1);
        opened.AddRange(batch);
        var logs = (await node.Rpc.GetTransactionAsync(truncatedSignature, Commitment.Confirmed, default))!.LogMessages;
        Assert.Equal("Log truncated", logs[^1]);
        var (last, _) = await node.OpenAsync(user, Params(9));
        opened.Add((last, Params(9)));

        await watcher.PollOnceAsync(WatcherIntegrationTests.Collect(seen), default);

        var next = (await node.ConfigAsync()).NextNonce;
        Assert.Equal(Enumerable.Range(0, (int)next).Select(n => (ulong)n), seen.Select(o => o.Intent.DepositNonce));
        var recovered = seen.Where(o => o.RecoveredBecause is not null && o.Intent.DepositNonce >= first).ToList(); // not other tests' cut logs
        Assert.Equal([batch[1].Nonce, batch[2].Nonce], recovered.Select(o => o.Intent.DepositNonce));
        Assert.All(recovered, o => Assert.Contains($"logs truncated in {truncatedSignature}", o.RecoveredBecause));
        Assert.All(recovered, o => Assert.Contains($"nonce {o.Intent.DepositNonce} ", o.RecoveredBecause));
        foreach (var (nonce, p) in opened)
        {
            var observed = Assert.Single(seen, o => o.Intent.DepositNonce == nonce);
            Assert.Equal(Expected(nonce, p, user.PublicKey), observed.Intent);
        }

        Assert.Equal(0, await watcher.PollOnceAsync(WatcherIntegrationTests.Collect(seen), default));
    }

    [Fact]
    public async Task PollOnce_RestartInTheMiddleOfAGap_NothingEmittedTwiceNothingSkipped()
    {
        using var user = DevnodeFixture.Key("reconcile-restart");
        await PrepareAsync(user);
        var path = Path.Combine(Path.GetTempPath(), $"solana-reconcile-{Guid.NewGuid():N}.json");
        try
        {
            var delivered = new List<IntentObserved>();
            var first = new EscrowWatcher(node.Rpc, node.Options(), new JsonFileCheckpointStore<WatcherCheckpoint>(path));
            await first.PollOnceAsync(WatcherIntegrationTests.Collect(delivered), default);

            var (before, _) = await node.OpenAsync(user, Params(20));
            await TruncateNextLogsAsync(1, 0); // every log line of this transaction is lost
            var (lost, _) = await OpenManyAsync(user, 2, salt: 21);
            var (after, _) = await node.OpenAsync(user, Params(29));

            // The sink refuses the batch that closes the gap: nothing of that pass counts as reported, the checkpoint stays.
            var saved = await new JsonFileCheckpointStore<WatcherCheckpoint>(path).LoadAsync(default);
            await Assert.ThrowsAsync<InvalidOperationException>(() => first.PollOnceAsync(new RefusingSink(), default));
            Assert.Equal(saved, await new JsonFileCheckpointStore<WatcherCheckpoint>(path).LoadAsync(default));
            Assert.DoesNotContain(delivered, o => o.Intent.DepositNonce >= before);

            var restarted = new EscrowWatcher(node.Rpc, node.Options(), new JsonFileCheckpointStore<WatcherCheckpoint>(path));
            Assert.Equal(4, await restarted.PollOnceAsync(WatcherIntegrationTests.Collect(delivered), default));
            var (late, _) = await node.OpenAsync(user, Params(30));
            Assert.Equal(1, await restarted.PollOnceAsync(WatcherIntegrationTests.Collect(delivered), default));

            var next = (await node.ConfigAsync()).NextNonce;
            Assert.Equal(Enumerable.Range(0, (int)next).Select(n => (ulong)n), delivered.Select(o => o.Intent.DepositNonce));
            Assert.Equal([lost[0].Nonce, lost[1].Nonce], delivered.Where(o => o.RecoveredBecause is not null && o.Intent.DepositNonce >= before).Select(o => o.Intent.DepositNonce));
            Assert.Equal(Expected(lost[1].Nonce, lost[1].Params, user.PublicKey), Assert.Single(delivered, o => o.Intent.DepositNonce == lost[1].Nonce).Intent);
            Assert.Null(Assert.Single(delivered, o => o.Intent.DepositNonce == before).RecoveredBecause);
            Assert.Null(Assert.Single(delivered, o => o.Intent.DepositNonce == late).RecoveredBecause);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private OpenIntentParams Params(int i) => new(
        node.Mint, 2_000_000 + (ulong)i, DevnodeFixture.EvmChain, Bytes32.FromEvmAddress(Enumerable.Repeat((byte)(0x60 + i), 20).ToArray()),
        UInt256.Parse("98765432109876543210987654321") + (ulong)i, Bytes32.FromEvmAddress(Enumerable.Repeat((byte)(0x20 + i), 20).ToArray()),
        _deadlineBase + i);

    // One deadline base per test, so that building the same intent's parameters twice gives the same deadline.
    private readonly long _deadlineBase = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200;

    private Core.Intents.Intent Expected(ulong nonce, OpenIntentParams p, Bytes32 depositor) => new()
    {
        IntentId = Core.Intents.IntentId.Compute(Chain, node.Escrow.ProgramId, nonce),
        OriginChainId = Chain,
        DepositNonce = nonce,
        Depositor = depositor,
        InputToken = p.InputMint,
        InputAmount = p.InputAmount,
        DestinationChainId = p.DestinationChainId,
        OutputToken = p.OutputToken,
        MinOutputAmount = p.MinOutputAmount,
        Recipient = p.Recipient,
        FillDeadline = (ulong)p.FillDeadline,
    };

    private async Task PrepareAsync(SolanaKeypair user)
    {
        await node.FundSolAsync(user.PublicKey);
        await node.MintToAsync(user.PublicKey, 100_000_000);
    }

    /// <summary>One transaction opening <paramref name="count"/> intents at the config's next nonces.</summary>
    private async Task<(List<(ulong Nonce, OpenIntentParams Params)> Opened, string Signature)> OpenManyAsync(SolanaKeypair user, int count, int salt)
    {
        var nonce = (await node.ConfigAsync()).NextNonce;
        var source = ProgramAddress.AssociatedTokenAccount(user.PublicKey, node.Mint);
        var opened = Enumerable.Range(0, count).Select(i => (nonce + (ulong)i, Params(salt + i))).ToList();
        var signature = await node.SendAsync([.. opened.Select(o => node.Escrow.Open(user.PublicKey, source, o.Item2, Chain, o.Item1))], user);
        return (opened, signature);
    }

    private Task TruncateNextLogsAsync(int transactions, int maxBytes) =>
        node.Rpc.CallAsync(
            "devnode_truncateLogs",
            w =>
            {
                w.WriteNumberValue(transactions);
                w.WriteNumberValue(maxBytes);
            },
            _ => 0,
            default);

    /// <summary>A bus that is down: refuses every batch.</summary>
    private sealed class RefusingSink : IChainEventSink
    {
        public Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken) => throw new InvalidOperationException("bus unavailable");
    }
}
