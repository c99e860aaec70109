using DiscreteExec.Chains.Rpc;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

/// <summary>
/// Three endpoints in front of one anvil, two honest and one lying (it fabricates an IntentOpened, hides one and
/// inflates the pool balance): read through <see cref="QuorumEvmRpc"/> with a quorum of 2, the watcher observes exactly
/// the real deposits and the escrow state the real pool, and every lie is logged with the liar's URL.
/// </summary>
[Trait("Category", "Integration")]
public sealed class QuorumIntegrationTests(EscrowTestbed bed) : IClassFixture<EscrowTestbed>
{
    [Fact]
    public async Task Watcher_TwoOfThreeWithOneLiar_ObservesOnlyRealDepositsReadsTheRealPoolAndLogsEveryLie()
    {
        var alice = EscrowTestbed.Key("quorum-alice");
        await bed.FundAsync(alice);
        await bed.FundPoolAsync(5_000_000);
        var startBlock = await bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        for (var k = 0UL; k < 3; k++)
        {
            await bed.OpenIntentAsync(alice, 1_000_000 + k, 90_000 + k);
        }

        var options = bed.Options(confirmationDepth: 0);
        options.StartBlock = (long)startBlock;
        var truth = await new CollectingWatch(bed.Rpc, options).RunAsync();
        Assert.Equal(3, truth.Count);
        var pool = await bed.PoolBalanceAsync();

        await using var honestA = new FaultInjectingProxy(bed.Anvil.Url, seed: 31, faultRate: 0, slowDelay: TimeSpan.Zero);
        await using var honestB = new FaultInjectingProxy(bed.Anvil.Url, seed: 32, faultRate: 0, slowDelay: TimeSpan.Zero);
        await using var liar = new FaultInjectingProxy(bed.Anvil.Url, seed: 33, faultRate: 0, slowDelay: TimeSpan.Zero)
        {
            Lies = ProxyLie.FabricateIntentOpened | ProxyLie.HideIntentOpened | ProxyLie.WrongPoolBalance,
            LyingChainId = AnvilProcess.ChainId,
        };
        var client = (FaultInjectingProxy proxy) => bed.CreateClient(proxy.Url, new ChainRpcOptions { MaxRetryAttempts = 0 });

        // The lies bite: read through the liar alone, the deposits and the pool are wrong.
        var lied = await new CollectingWatch(client(liar), options).RunAsync();
        Assert.NotEqual(truth.Order(), lied.Order());
        Assert.NotEqual(pool, await new EscrowState(client(liar), options).PoolBalanceAsync(bed.Token.ToBytes32(), CancellationToken.None));

        var logger = new QuorumLog(liar.Url);
        var quorum = new QuorumEvmRpc([new(honestA.Url, client(honestA)), new(liar.Url, client(liar)), new(honestB.Url, client(honestB))], quorum: 2, logger);
        var observed = await new CollectingWatch(quorum, options).RunAsync();
        var quorumPool = await new EscrowState(quorum, options).PoolBalanceAsync(bed.Token.ToBytes32(), CancellationToken.None);

        Assert.Equal(truth.Order(), observed.Order());
        Assert.Equal(pool, quorumPool);
        Assert.True(liar.LiesTold >= 3, $"the liar told {liar.LiesTold} lies");

        // Each kind of lie is logged naming the liar (a slower liar's answer is checked after the quorum answered).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var lines = await Task.WhenAll(logger.Fabricated.Task, logger.Hidden.Task, logger.Disagreed.Task).WaitAsync(timeout.Token);
        Assert.All(lines, line => Assert.Contains(liar.Url.ToString(), line, StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetLogs_TwoOfThreeWithTwoLiars_FabricatedLogReachesQuorum()
    {
        // The limit of the rule, stated as a test: two endpoints that tell the same lie are a quorum of 2.
        var bob = EscrowTestbed.Key("quorum-bob");
        await bed.FundAsync(bob);
        var from = await bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        await bed.OpenIntentAsync(bob, 2_000_000, 91_000);
        var to = await bed.Rpc.BlockNumberAsync(CancellationToken.None);
        await using var honest = new FaultInjectingProxy(bed.Anvil.Url, seed: 34, faultRate: 0, slowDelay: TimeSpan.Zero);
        await using var liarA = new FaultInjectingProxy(bed.Anvil.Url, seed: 35, faultRate: 0, slowDelay: TimeSpan.Zero) { Lies = ProxyLie.FabricateIntentOpened, LyingChainId = AnvilProcess.ChainId };
        await using var liarB = new FaultInjectingProxy(bed.Anvil.Url, seed: 36, faultRate: 0, slowDelay: TimeSpan.Zero) { Lies = ProxyLie.FabricateIntentOpened, LyingChainId = AnvilProcess.ChainId };
        var client = (FaultInjectingProxy proxy) => bed.CreateClient(proxy.Url, new ChainRpcOptions { MaxRetryAttempts = 0 });
        var quorum = new QuorumEvmRpc([new(honest.Url, client(honest)), new(liarA.Url, client(liarA)), new(liarB.Url, client(liarB))], quorum: 2, NullLogger<QuorumEvmRpc>.Instance);

        var filter = new LogFilter(from, to, bed.Escrow, [IntentOpenedDecoder.Topic0]);
        var real = await bed.Rpc.GetLogsAsync(filter, CancellationToken.None);
        var believed = await quorum.GetLogsAsync(filter, CancellationToken.None);

        Assert.Single(real);
        Assert.Equal(2, believed.Count);
    }

    /// <summary>Runs a fresh watcher to the head and returns the nonces it observed.</summary>
    private sealed class CollectingWatch(IEvmRpc rpc, EvmChainOptions options)
    {
        public async Task<List<ulong>> RunAsync()
        {
            var watcher = new EscrowWatcher(rpc, options, new InMemoryCheckpointStore(), TimeProvider.System, NullLogger<EscrowWatcher>.Instance);
            var sink = new CollectingSink();
            for (var i = 0; i < 1000 && await watcher.PollOnceAsync(sink, CancellationToken.None); i++)
            {
            }

            return [.. sink.Observed.Select(o => o.Intent.DepositNonce)];
        }
    }

    /// <summary>Completes one task per kind of lie logged with the liar's URL (event ids 3201-3203).</summary>
    private sealed class QuorumLog(Uri liar) : ILogger<QuorumEvmRpc>
    {
        public TaskCompletionSource<string> Disagreed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Fabricated { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> Hidden { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = formatter(state, exception);
            if (!line.Contains(liar.ToString(), StringComparison.Ordinal))
            {
                return;
            }

            var kind = eventId.Id switch
            {
                3201 when line.Contains("eth_call", StringComparison.Ordinal) => Disagreed,
                3202 => Fabricated,
                3203 => Hidden,
                _ => null,
            };
            kind?.TrySetResult(line);
        }
    }
}
