using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>The adapter's entry point against anvil: keys from a file and an environment variable, then watch, settle and read state.</summary>
[Trait("Category", "Integration")]
public sealed class EvmChainIntegrationTests : IClassFixture<EscrowTestbed>, IDisposable
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;
    private readonly string _directory = Directory.CreateTempSubdirectory("evm-chain-").FullName;
    private readonly string _variable = $"DISCRETEEXEC_TEST_SIGNER_{Guid.NewGuid():N}";

    public EvmChainIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(_variable, null);
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Connect_KeysFromFileAndEnvironment_WatcherReportsAndStateFollowsSettlement()
    {
        var depositor = EscrowTestbed.Key("chain-depositor");
        await _bed.FundAsync(depositor);
        var nonce = IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;
        await _bed.OpenIntentAsync(depositor, 2_500_000, 501);
        var opened = IntentId.Compute(Chain, _bed.Escrow.ToBytes32(), nonce);
        await _bed.FundPoolAsync(5_000_000);

        var options = _bed.Options();
        options.Payer = new ChainKeySource { File = WriteKey("relayer") };
        options.Signers.Add(new ChainKeySource { EnvironmentVariable = _variable });
        options.Signers.Add(new ChainKeySource { File = WriteKey("signer-c") });
        Environment.SetEnvironmentVariable(_variable, KeyHex("signer-a"));
        var chain = EvmChain.Connect("Chains:Evm:Local", options, _bed.Http, checkpoints: new InMemoryCheckpointStore());
        Assert.Equal((ChainKind.Evm, Chain), (chain.Kind, chain.ChainId));
        Assert.Equal((ChainKind.Evm, Chain), (chain.Watcher.Kind, chain.Watcher.ChainId));

        // The watcher reports the intent through the sink with a cursor at a real block.
        var sink = new IntentWaitingSink(opened);
        using var stop = new CancellationTokenSource();
        var run = chain.Watcher.RunAsync(sink, stop.Token);
        var batch = await sink.Seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var header = await _bed.Rpc.GetBlockAsync(BlockTag.Number(batch.Cursor.Height), CancellationToken.None);
        Assert.Equal(header!.Hash.ToString(), batch.Cursor.Hash);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        var source = Keccak256.Hash("chain-source-intent"u8);
        var pool = await chain.State.PoolBalanceAsync(_bed.Token.ToBytes32(), CancellationToken.None);
        Assert.Equal(await _bed.PoolBalanceAsync(), pool);
        Assert.Equal(EscrowIntentState.Open, await chain.State.IntentStateAsync(opened, CancellationToken.None));
        Assert.Equal(EscrowIntentState.Unknown, await chain.State.IntentStateAsync(source, CancellationToken.None));
        Assert.False(await chain.State.IsPaidAsync(source, CancellationToken.None));

        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("chain-payee").PublicKey);
        foreach (var chunk in TestChunks.Of(Chain, 501, [
            new SettlementAction(ActionKind.Release, opened, _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, source, _bed.Token.ToBytes32(), payee.ToBytes32(), 2_400_000),
        ]))
        {
            Assert.Equal(ChunkSubmissionOutcome.Applied, (await chain.Submitter.SubmitAsync(chunk, CancellationToken.None)).Outcome);
        }

        Assert.Equal(EscrowIntentState.Released, await chain.State.IntentStateAsync(opened, CancellationToken.None));
        Assert.True(await chain.State.IsPaidAsync(source, CancellationToken.None));
        Assert.Equal(pool + 2_500_000 - 2_400_000, await chain.State.PoolBalanceAsync(_bed.Token.ToBytes32(), CancellationToken.None));
    }

    [Fact]
    public async Task State_ExpiredIntentTakenBack_Refunded()
    {
        var depositor = EscrowTestbed.Key("chain-refund");
        await _bed.FundAsync(depositor);
        var nonce = IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;
        var head = await _bed.Rpc.GetBlockAsync(BlockTag.Latest, CancellationToken.None);
        await _bed.OpenIntentAsync(depositor, 1_000, 502, fillDeadline: head!.Timestamp + 60);
        var id = IntentId.Compute(Chain, _bed.Escrow.ToBytes32(), nonce);
        await _bed.AdvanceTimeAsync(60 + EscrowTestbed.GraceSeconds + 1);
        await _bed.SendAsync(depositor, _bed.Escrow, IntentEscrowAbi.RefundExpired(id));

        var state = new EscrowState(_bed.Rpc, _bed.Options());
        Assert.Equal(EscrowIntentState.Refunded, await state.IntentStateAsync(id, CancellationToken.None));
    }

    [Fact]
    public void Connect_NoSignerKey_RefusesNamingTheKey()
    {
        var options = _bed.Options();
        options.Payer = new ChainKeySource { File = WriteKey("relayer") };
        var error = Assert.Throws<InvalidOperationException>(() => EvmChain.Connect("Chains:Evm:Local", options, _bed.Http, checkpoints: new InMemoryCheckpointStore()));
        Assert.StartsWith("Chains:Evm:Local:Signers:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connect_PayerVariableUnset_RefusesNamingTheVariable()
    {
        var options = _bed.Options();
        options.Payer = new ChainKeySource { EnvironmentVariable = _variable };
        options.Signers.Add(new ChainKeySource { File = WriteKey("signer-a") });
        var error = Assert.Throws<InvalidOperationException>(() => EvmChain.Connect("Chains:Evm:Local", options, _bed.Http, checkpoints: new InMemoryCheckpointStore()));
        Assert.StartsWith("Chains:Evm:Local:Payer:", error.Message, StringComparison.Ordinal);
        Assert.Contains(_variable, error.Message, StringComparison.Ordinal);
    }

    private static string KeyHex(string name) =>
        "0x" + Convert.ToHexStringLower(Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes("discreteexec-test:" + name)).ToArray());

    private string WriteKey(string name)
    {
        var path = Path.Combine(_directory, name + ".key");
        File.WriteAllText(path, KeyHex(name) + "\n");
        return path;
    }
}
