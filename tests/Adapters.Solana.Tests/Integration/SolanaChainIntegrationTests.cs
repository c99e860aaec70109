using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>The adapter's entry point against the dev node: keys from a file and an environment variable, then watch, settle and read state.</summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class SolanaChainIntegrationTests(DevnodeFixture node) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("solana-chain-").FullName;
    private readonly string _variable = $"DISCRETEEXEC_TEST_ATTESTOR_{Guid.NewGuid():N}";

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Connect_KeysFromFileAndEnvironment_WatcherReportsAndStateFollowsSettlement()
    {
        var scenario = await LegScenario.CreateAsync(node, "chain", epoch: 150, releases: 1, refunds: 1, payouts: 1);
        var options = node.Options();
        options.Payer = new ChainKeySource { File = WriteKey("signer-1") };
        options.Signers.Add(new ChainKeySource { EnvironmentVariable = _variable });
        options.Signers.Add(new ChainKeySource { File = WriteKey("signer-2") });
        Environment.SetEnvironmentVariable(_variable, KeyJson("signer-1"));
        using var chain = SolanaChain.Connect("local", options, node.Http, checkpoints: new InMemoryCheckpointStore<WatcherCheckpoint>());
        Assert.Equal((ChainKind.Solana, new ChainId(DevnodeFixture.ChainIdValue)), (chain.Kind, chain.ChainId));
        Assert.Equal((ChainKind.Solana, chain.ChainId), (chain.Watcher.Kind, chain.Watcher.ChainId));

        var release = scenario.Leg.Actions.Single(a => a.Kind == ActionKind.Release).IntentId;
        var refund = scenario.Leg.Actions.Single(a => a.Kind == ActionKind.Refund).IntentId;
        var payout = scenario.Leg.Actions.Single(a => a.Kind == ActionKind.Payout);
        var withdrawn = scenario.Leg.Actions.Single(a => a.Kind == ActionKind.Withdraw).Amount;

        // The watcher reports the intent through the sink, with the cursor at the transaction that opened it or later.
        var sink = new IntentWaitingSink(release);
        using var stop = new CancellationTokenSource();
        var run = chain.Watcher.RunAsync(sink, stop.Token);
        var batch = await sink.Seen.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var seen = batch.Observed.Single(o => o.Intent.IntentId == release);
        Assert.True(batch.Cursor.Height >= seen.Position.BlockNumber);
        Assert.NotEmpty(batch.Cursor.Hash);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var pool = await chain.State.PoolBalanceAsync(node.Mint, default);
        Assert.Equal((UInt256)(await node.PoolAsync()).Pool, pool);
        Assert.Equal(EscrowIntentState.Open, await chain.State.IntentStateAsync(release, default));
        Assert.Equal(EscrowIntentState.Open, await chain.State.IntentStateAsync(refund, default));
        Assert.Equal(EscrowIntentState.Unknown, await chain.State.IntentStateAsync(payout.IntentId, default));
        Assert.False(await chain.State.IsPaidAsync(payout.IntentId, default));

        var results = await LegScenario.SubmitLegAsync(chain.Submitter, scenario.Leg);
        Assert.All(results, r => Assert.Equal(ChunkSubmissionOutcome.Applied, r.Outcome));

        Assert.Equal(EscrowIntentState.Released, await chain.State.IntentStateAsync(release, default));
        Assert.Equal(EscrowIntentState.Refunded, await chain.State.IntentStateAsync(refund, default));
        Assert.True(await chain.State.IsPaidAsync(payout.IntentId, default));
        Assert.Equal(pool + scenario.ReleasedTotal - payout.Amount - withdrawn, await chain.State.PoolBalanceAsync(node.Mint, default));
        Assert.Equal(UInt256.Zero, await chain.State.PoolBalanceAsync(Bytes32.FromUInt64(77), default));
    }

    [Fact]
    public void Connect_NoAttestorKey_RefusesNamingTheKey()
    {
        var options = node.Options();
        options.Payer = new ChainKeySource { File = WriteKey("signer-1") };
        var error = Assert.Throws<InvalidOperationException>(() => SolanaChain.Connect("local", options, node.Http));
        Assert.StartsWith("Solana:Clusters:local:Signers:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_PayerFileNotAKeypair_RefusesNamingTheKey()
    {
        var options = node.Options();
        var path = Path.Combine(_directory, "not-a-keypair.json");
        File.WriteAllText(path, "0x1234");
        options.Payer = new ChainKeySource { File = path };
        options.Signers.Add(new ChainKeySource { File = WriteKey("signer-2") });
        var error = Assert.Throws<InvalidOperationException>(() => SolanaChain.Connect("local", options, node.Http));
        Assert.StartsWith("Solana:Clusters:local:Payer:", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The Solana CLI keypair file of a test key: 64 numbers, the seed then the public key.</summary>
    private static string KeyJson(string label)
    {
        var seed = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("discreteexec-test-" + label));
        using var key = SolanaKeypair.FromSeed(seed);
        return "[" + string.Join(',', seed.Concat(key.PublicKey.ToArray())) + "]";
    }

    private string WriteKey(string label)
    {
        var path = Path.Combine(_directory, label + ".json");
        File.WriteAllText(path, KeyJson(label));
        return path;
    }
}
