using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.TestSupport;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>Client → fault-injecting HTTP proxy (seeded drops, 500s, 429s, slow answers) → anvil.</summary>
[Trait("Category", "Integration")]
public sealed class FaultInjectionIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private static readonly ChainRpcOptions Impatient = new()
    {
        MaxRetryAttempts = 30,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        AttemptTimeout = TimeSpan.FromMilliseconds(500),
    };

    private readonly EscrowTestbed _bed;

    public FaultInjectionIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task Submit_ThroughFaultyProxy_AppliesEveryLegExactlyOnce()
    {
        await _bed.FundPoolAsync(100_000_000);
        var poolBefore = await _bed.PoolBalanceAsync();
        await using var proxy = new FaultInjectingProxy(_bed.Anvil.Url, seed: 20261124, faultRate: 0.3, slowDelay: TimeSpan.FromMilliseconds(700));
        var rpc = _bed.CreateClient(proxy.Url, Impatient);
        var options = _bed.Options(proxy.Url);
        options.MaxGasPerChunk = 120_000 + (2 * 60_000);
        options.GasPerAction = 60_000;
        using var sender = new TransactionSender(rpc, new LocalTransactionSigner(_bed.Relayer), options, TimeProvider.System, NullLogger<TransactionSender>.Instance);
        var submitter = new ChunkSubmitter(rpc, sender, _bed.Signers.Take(2).Select(k => (ILegSigner)new LocalLegSigner(k)), options, NullLogger<ChunkSubmitter>.Instance);

        var treasury = EvmAddress.FromPublicKey(EscrowTestbed.Key("fault-treasury").PublicKey);
        var payees = new List<(EvmAddress Payee, ulong Amount)>();
        var chunks = new List<SettlementChunk>();
        for (var epoch = 100UL; epoch < 106; epoch++)
        {
            var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key($"fault-payee-{epoch}").PublicKey);
            payees.Add((payee, epoch * 10));
            chunks.AddRange(TestChunks.Of(Chain, epoch, [
                new SettlementAction(ActionKind.Payout, Keccak256.Hash(BitConverter.GetBytes(epoch)), _bed.Token.ToBytes32(), payee.ToBytes32(), epoch * 10),
                new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), treasury.ToBytes32(), 1_000),
                new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), treasury.ToBytes32(), 7),
            ], submitter.Limits.MaxTransfers));
        }

        // Every chunk twice (a relayer retrying after a timeout): the second pass must send nothing new.
        foreach (var chunk in chunks.Concat(chunks))
        {
            await submitter.SubmitAsync(chunk, CancellationToken.None);
        }

        var faults = proxy.Counts;
        Assert.True(faults.Where(f => f.Key != ProxyFault.None).Sum(f => f.Value) >= 20, $"Too few faults injected: {string.Join(", ", faults)}");
        Assert.True(faults.GetValueOrDefault(ProxyFault.DropAfterForwarding) > 0);

        // Exactly once, read straight from anvil: one LegApplied per (epoch, chunk), balances moved once.
        var applied = await _bed.Rpc.GetLogsAsync(new LogFilter(0, await _bed.Rpc.BlockNumberAsync(CancellationToken.None), _bed.Escrow, [DiscreteExec.Adapters.Evm.Escrow.IntentEscrowAbi.Abi.Event("LegApplied").Topic0]), CancellationToken.None);
        var keys = applied.Select(l => (Epoch: new Bytes32(l.Topics[1].ToArray()), Chunk: new Bytes32(l.Data.AsSpan(0, 32)))).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(12, applied.Count(l => l.Topics[1].CompareTo(Bytes32.FromUInt64(100)) >= 0 && l.Topics[1].CompareTo(Bytes32.FromUInt64(106)) < 0));
        foreach (var (payee, amount) in payees)
        {
            Assert.Equal((UInt256)amount, await _bed.TokenBalanceAsync(payee));
        }

        Assert.Equal((UInt256)(6 * 1_007), await _bed.TokenBalanceAsync(treasury));
        Assert.Equal(poolBefore - payees.Aggregate(UInt256.Zero, (sum, p) => sum + p.Amount) - (6 * 1_007), await _bed.PoolBalanceAsync());
    }

    [Fact]
    public async Task Watcher_ThroughFaultyProxy_ReportsEveryIntentExactlyOnce()
    {
        await using var proxy = new FaultInjectingProxy(_bed.Anvil.Url, seed: 7, faultRate: 0.35, slowDelay: TimeSpan.FromMilliseconds(700));
        await WatchThroughAsync(proxy, "fault-user");
    }

    /// <summary>Half the answers cut (a well-framed half body, or a body cut mid-way by a reset): retried, never read as a partial answer.</summary>
    [Fact]
    public async Task Watcher_ThroughProxyCuttingBodies_ReportsEveryIntentExactlyOnceWithItsParameters()
    {
        await using var proxy = new FaultInjectingProxy(_bed.Anvil.Url, seed: 11, faultRate: 0.5, slowDelay: TimeSpan.Zero)
        {
            FaultKinds = [ProxyFault.TruncatedBody, ProxyFault.CutMidBody],
        };
        await WatchThroughAsync(proxy, "cut-body-user");

        Assert.True(proxy.Counts.GetValueOrDefault(ProxyFault.TruncatedBody) > 0 && proxy.Counts.GetValueOrDefault(ProxyFault.CutMidBody) > 0, proxy.Stats);
    }

    /// <summary>Opens 6 intents and a sentinel and watches them through <paramref name="proxy"/>: each reported once, with the amount it was opened with.</summary>
    private async Task WatchThroughAsync(FaultInjectingProxy proxy, string userPrefix)
    {
        var start = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var users = Enumerable.Range(0, 6).Select(i => EscrowTestbed.Key($"{userPrefix}-{i}")).ToArray();
        await _bed.FundAsync(users);
        foreach (var (user, i) in users.Select((u, i) => (u, i)))
        {
            await _bed.OpenIntentAsync(user, 10_000 + (ulong)i, 70_000 + (ulong)i);
        }

        var options = _bed.Options(proxy.Url);
        options.StartBlock = (long)start;
        options.MaxBlockRange = 4;
        var watcher = new EscrowWatcher(_bed.CreateClient(proxy.Url, Impatient), options, new InMemoryCheckpointStore(), TimeProvider.System, NullLogger<EscrowWatcher>.Instance);
        var sink = new CollectingSink();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = watcher.RunAsync(sink, cancel.Token);
        await sink.WhenObservedAsync(users.Length).WaitAsync(cancel.Token);

        // A sentinel opened after the others: blocks are read in order, so once it is seen any repeat of an
        // earlier intent would have been seen too.
        var sentinel = EscrowTestbed.Key($"{userPrefix}-sentinel");
        await _bed.FundAsync([sentinel]);
        await _bed.OpenIntentAsync(sentinel, 10_100, 70_100);
        await sink.WhenObservedAsync(users.Length + 1).WaitAsync(cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(users.Length + 1, sink.Observed.Count);
        Assert.Equal(users.Append(sentinel).Select(u => u.Address.ToBytes32()).Order(), sink.Observed.Select(o => o.Intent.Depositor).Order());
        var amounts = users.Select((u, i) => (u.Address.ToBytes32(), (UInt256)(10_000 + (ulong)i))).Append((sentinel.Address.ToBytes32(), (UInt256)10_100UL)).ToDictionary();
        Assert.All(sink.Observed, o => Assert.Equal(amounts[o.Intent.Depositor], o.Intent.InputAmount));
    }
}
