using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Tests.Node.Operators;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>
/// The operator queue as <see cref="NodeBus.AddNodeBus"/> builds it, on a real RabbitMQ and in memory: a message the
/// store cannot keep yet (its Redis restarting, still LOADING) is retried, not sent to the error queue. A three-operator
/// campaign lost an epoch's manifest and attestations that way, and the operator could never follow or sign that epoch.
/// </summary>
[Collection(SharedRabbitMq.Name)]
public sealed class OperatorQueueRetryTests(RabbitMqBrokerFixture fixture)
{
    // Generous: a bounded wait on an awaited condition, not a sleep.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static readonly ChainId Chain = new(31337);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Attestation_StoreLoadingForSeveralDeliveries_IsKeptOnceTheStoreIsBack(bool rabbitMq)
    {
        var store = new FlakyOperatorMessages { FailuresLeft = 4 };
        await using var node = await StartOperatorAsync(rabbitMq, store);
        var attestation = Attestation(epochId: 7, signer: "op-1");

        await node.Bus.Publish(attestation);

        await node.WaitUntilAsync(() => store.Saved.Count == 1 || node.Faults > 0);
        Assert.Equal(0, node.Faults);
        Assert.Equal(5, store.SaveCalls);
        Assert.Equal(attestation.Digest, store.Saved.Single().Digest);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Attestation_ConsumerFailsForAnotherReason_IsNotRetried(bool rabbitMq)
    {
        // Only store faults and unconfirmed publishes are worth waiting for; anything else is a defect that retrying
        // cannot mend, and it goes to the error queue with its reason at once.
        var store = new FlakyOperatorMessages { FailuresLeft = 1, Failure = () => new InvalidOperationException("a defect, not a store fault") };
        await using var node = await StartOperatorAsync(rabbitMq, store);

        await node.Bus.Publish(Attestation(epochId: 8, signer: "op-2"));

        await node.WaitUntilAsync(() => node.Faults == 1);
        Assert.Equal(1, store.SaveCalls);
        Assert.Empty(store.Saved);
    }

    private static LegAttested Attestation(ulong epochId, string signer) => new()
    {
        EpochId = epochId,
        ChainId = Chain,
        Chunk = 0,
        BatchRoot = Bytes32.FromUInt64(epochId),
        Digest = Bytes32.FromUInt64(epochId * 1_000),
        Signer = signer,
        Signature = [1],
        SignerSetVersion = 1,
    };

    private async Task<RunningOperator> StartOperatorAsync(bool rabbitMq, FlakyOperatorMessages store)
    {
        var queue = $"operator-{Guid.NewGuid():N}";
        var settings = new Dictionary<string, string?>
        {
            ["Bus:AggregatorQueue"] = $"aggregator-{Guid.NewGuid():N}",
            ["Bus:RetryIntervalMilliseconds"] = "10",
            ["Bus:RetryMaxIntervalMilliseconds"] = "50",
            ["Bus:RabbitMq"] = rabbitMq ? fixture.Broker.AmqpUri.ToString() : null,
        };
        var signers = new[] { "op-0", "op-1", "op-2" };
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IIntentStore>(new InMemoryIntentStore())
            .AddSingleton<IEventLog>(new InMemoryEventLog())
            .AddNodeBus(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), queue);
        services.AddSingleton(sp => new OperatorMessageIntake(new OperatorSeat(
            0, "op-0", signers, 2, OperatorCluster.ProposalTimeout,
            new ManifestVerifier("op-0", OperatorCluster.Assets, 50, new ManifestTerms(10, 50, 60, OperatorCluster.ProposalTimeout * 2)),
            new Dictionary<ChainId, IReadOnlyList<string>> { [Chain] = signers },
            new Dictionary<ChainId, IChunkAttestor> { [Chain] = new AnySignatureAttestor() },
            store, sp.GetRequiredService<IOperatorPublisher>(), OperatorCluster.Signatures(0, signers.Length, 2))));
        var provider = services.BuildServiceProvider(validateScopes: true);
        var bus = provider.GetRequiredService<IBusControl>();
        var running = new RunningOperator(provider, bus);
        using var startPatience = new CancellationTokenSource(Patience);
        await bus.StartAsync(startPatience.Token).WaitAsync(Patience);
        return running;
    }

    /// <summary>An operator store whose first saves fail like a Redis still loading its data after a restart.</summary>
    private sealed class FlakyOperatorMessages : IOperatorMessageStore
    {
        private readonly InMemoryOperatorMessages _kept = new();
        private int _failuresLeft;
        private int _saveCalls;

        public int FailuresLeft { get => Volatile.Read(ref _failuresLeft); init => _failuresLeft = value; }

        public Func<Exception> Failure { get; init; } = () => new RedisServerException(RedisErrorKind.Loading, CommandFlags.None, "LOADING Redis is loading the dataset in memory");

        public int SaveCalls => Volatile.Read(ref _saveCalls);

        public List<LegAttested> Saved { get; } = [];

        public async Task SaveAttestationAsync(LegAttested attestation, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _saveCalls);
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                throw Failure();
            }

            await _kept.SaveAttestationAsync(attestation, cancellationToken);
            lock (Saved)
            {
                Saved.Add(attestation);
            }
        }

        public Task SaveProposalAsync(EpochProposed proposal, CancellationToken cancellationToken) => _kept.SaveProposalAsync(proposal, cancellationToken);

        public Task<IReadOnlyList<EpochProposed>> ProposalsAsync(ulong epochId, CancellationToken cancellationToken) => _kept.ProposalsAsync(epochId, cancellationToken);

        public Task<IReadOnlyList<LegAttested>> AttestationsAsync(ulong epochId, ChainId chainId, uint chunk, CancellationToken cancellationToken) =>
            _kept.AttestationsAsync(epochId, chainId, chunk, cancellationToken);
    }

    /// <summary>Takes any signature as its signer's: the signature check is not what these tests are about.</summary>
    private sealed class AnySignatureAttestor : IChunkAttestor
    {
        public ChainId ChainId => Chain;

        public Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken) => throw new NotSupportedException();

        public bool Verifies(LegAttested attestation, string signer) => true;
    }

    private sealed class RunningOperator : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;
        private readonly IBusControl _bus;
        private readonly ConnectHandle _observer;
        private readonly SemaphoreSlim _changed = new(0);
        private int _faults;

        // Observes from before the bus starts, so that no delivery ends unseen.
        public RunningOperator(ServiceProvider provider, IBusControl bus)
        {
            (_provider, _bus) = (provider, bus);
            _observer = bus.ConnectReceiveObserver(new Signal(this));
        }

        public IBus Bus => _bus;

        /// <summary>Deliveries whose every retry failed (the message went to the error queue).</summary>
        public int Faults => Volatile.Read(ref _faults);

        public async ValueTask DisposeAsync()
        {
            await _bus.StopAsync(CancellationToken.None);
            _observer.Dispose();
            await _provider.DisposeAsync();
        }

        // Re-checked whenever a delivery ends, consumed or faulted: an awaited condition, bounded by Patience.
        public async Task WaitUntilAsync(Func<bool> condition)
        {
            using var patience = new CancellationTokenSource(Patience);
            while (!condition())
            {
                await _changed.WaitAsync(patience.Token);
            }
        }

        private sealed class Signal(RunningOperator running) : IReceiveObserver
        {
            public Task PreReceive(ReceiveContext context) => Task.CompletedTask;

            public Task PostReceive(ReceiveContext context)
            {
                running._changed.Release();
                return Task.CompletedTask;
            }

            public Task PostConsume<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType) where T : class
            {
                running._changed.Release();
                return Task.CompletedTask;
            }

            public Task ConsumeFault<T>(ConsumeContext<T> context, TimeSpan duration, string consumerType, Exception exception) where T : class
            {
                Interlocked.Increment(ref running._faults);
                running._changed.Release();
                return Task.CompletedTask;
            }

            public Task ReceiveFault(ReceiveContext context, Exception exception)
            {
                running._changed.Release();
                return Task.CompletedTask;
            }
        }
    }
}
