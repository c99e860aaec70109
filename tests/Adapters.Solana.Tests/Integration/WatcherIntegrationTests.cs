using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Tests.Support;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Messages;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class WatcherIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    [Fact]
    public async Task PollOnce_UsersOpenIntents_ReportsEachOnceWithEveryFieldAcrossRestarts()
    {
        using var alice = DevnodeFixture.Key("watch-alice");
        using var bob = DevnodeFixture.Key("watch-bob");
        await node.FundSolAsync(alice.PublicKey, bob.PublicKey);
        await node.MintToAsync(alice.PublicKey, 50_000_000);
        await node.MintToAsync(bob.PublicKey, 50_000_000);
        var deadline = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200;
        var opened = new List<(ulong Nonce, OpenIntentParams Params, Bytes32 Depositor)>();
        for (var i = 0; i < 5; i++)
        {
            var user = i % 2 == 0 ? alice : bob;
            var p = new OpenIntentParams(
                node.Mint, 1_000_000 + (ulong)i, DevnodeFixture.EvmChain, Bytes32.FromEvmAddress(Enumerable.Repeat((byte)(0xa0 + i), 20).ToArray()),
                UInt256.Parse("123456789012345678901234567890") + (ulong)i, Bytes32.FromEvmAddress(Enumerable.Repeat((byte)(0x10 + i), 20).ToArray()), deadline + i);
            var (nonce, signature) = await node.OpenAsync(user, p);
            opened.Add((nonce, p, user.PublicKey));
            if (i == 0)
            {
                var logs = (await node.Rpc.GetTransactionAsync(signature, Solana.Rpc.Commitment.Confirmed, default))!.LogMessages;
                output.WriteLine($"one Open logs {logs.Count} lines, {logs.Sum(l => l.Length + 1)} bytes");
            }
        }

        // A transaction that lands and fails (skipPreflight) must be skipped, not decoded.
        await SendFailingOpenAsync(alice, deadline);

        var path = Path.Combine(Path.GetTempPath(), $"solana-watcher-{Guid.NewGuid():N}.json");
        try
        {
            var options = node.Options();
            options.SignaturePageSize = 3;
            var seen = new List<IntentObserved>();
            var first = new EscrowWatcher(node.Rpc, options, new JsonFileCheckpointStore<WatcherCheckpoint>(path));
            await first.PollOnceAsync(Collect(seen), default);

            var programId = node.Escrow.ProgramId;
            foreach (var (nonce, p, depositor) in opened)
            {
                var observed = Assert.Single(seen, o => o.Intent.DepositNonce == nonce);
                var intent = observed.Intent;
                Assert.Equal(Core.Intents.IntentId.Compute(new ChainId(DevnodeFixture.ChainIdValue), programId, nonce), intent.IntentId);
                Assert.Equal(new ChainId(DevnodeFixture.ChainIdValue), intent.OriginChainId);
                Assert.Equal(depositor, intent.Depositor);
                Assert.Equal(p.InputMint, intent.InputToken);
                Assert.Equal((UInt256)p.InputAmount, intent.InputAmount);
                Assert.Equal(p.DestinationChainId, intent.DestinationChainId);
                Assert.Equal(p.OutputToken, intent.OutputToken);
                Assert.Equal(p.MinOutputAmount, intent.MinOutputAmount);
                Assert.Equal(p.Recipient, intent.Recipient);
                Assert.Equal((ulong)p.FillDeadline, intent.FillDeadline);
                Assert.False(string.IsNullOrEmpty(observed.Position.TransactionId));
                Assert.True(observed.Position.BlockNumber > 0);
            }

            // Every intent of the program so far, each exactly once, nonces 0..n-1 in order.
            Assert.Equal(Enumerable.Range(0, seen.Count).Select(i => (ulong)i), seen.Select(o => o.Intent.DepositNonce));

            // A restart from the file checkpoint reports nothing old, then exactly the new ones.
            var restarted = new EscrowWatcher(node.Rpc, options, new JsonFileCheckpointStore<WatcherCheckpoint>(path));
            var again = new List<IntentObserved>();
            Assert.Equal(0, await restarted.PollOnceAsync(Collect(again), default));
            var (late, _) = await node.OpenAsync(alice, opened[0].Params with { InputAmount = 7 });
            var third = new EscrowWatcher(node.Rpc, options, new JsonFileCheckpointStore<WatcherCheckpoint>(path));
            Assert.Equal(1, await third.PollOnceAsync(Collect(again), default));
            Assert.Equal(late, Assert.Single(again).Intent.DepositNonce);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static CallbackSink Collect(List<IntentObserved> into) => new((o, _) =>
    {
        lock (into)
        {
            into.Add(o);
        }

        return ValueTask.CompletedTask;
    });

    private async Task SendFailingOpenAsync(SolanaKeypair user, long deadline)
    {
        var config = await node.ConfigAsync();
        var zero = new OpenIntentParams(node.Mint, 0, DevnodeFixture.EvmChain, Bytes32.FromUInt64(1), 1, Bytes32.FromUInt64(2), deadline);
        var source = ProgramAddress.AssociatedTokenAccount(user.PublicKey, node.Mint);
        var blockhash = await node.Rpc.GetLatestBlockhashAsync(Solana.Rpc.Commitment.Confirmed, default);
        var tx = Transaction.Sign(MessageCompiler.Compile(user.PublicKey, [node.Escrow.Open(user.PublicKey, source, zero, new ChainId(DevnodeFixture.ChainIdValue), config.NextNonce)], blockhash.Blockhash), [user]);
        var signature = await node.Rpc.SendTransactionAsync(tx.Serialize(), new Solana.Rpc.SendOptions(SkipPreflight: true), default);
        await Assert.ThrowsAsync<InvalidOperationException>(() => node.WaitAsync(signature));
    }
}
