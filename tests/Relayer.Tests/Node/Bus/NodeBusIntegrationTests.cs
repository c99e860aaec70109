using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>The node's bus as <see cref="NodeBus.AddNodeBus"/> builds it, against a real RabbitMQ and in memory.</summary>
[Collection(SharedRabbitMq.Name)]
public sealed class NodeBusIntegrationTests(RabbitMqBrokerFixture fixture)
{
    // Generous: a bounded wait on an awaited condition, not a sleep.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sink_BatchOnEitherTransport_EveryIntentStoredOnceByTheSameConsumers(bool rabbitMq)
    {
        await using var node = await StartNodeAsync(rabbitMq);

        await node.Sink.AcceptAsync(IntakeMessages.Batch(1, 50), CancellationToken.None);
        await node.Sink.AcceptAsync(IntakeMessages.Batch(1, 50), CancellationToken.None);

        await node.Store.WaitForCountAsync(50).WaitAsync(Patience);
        Assert.Equal(50, node.Store.Count);
        // A consumer that stored (or re-saw) an intent also logged its IntentAccepted, once per event id.
        await node.WaitForLoggedAsync(50);
    }

    [Fact]
    public async Task Sink_InMemoryTransport_ReturnsOnlyOnceTheConsumersStoredEveryMessage()
    {
        // In memory, a message taken by the transport dies with the process: the watcher may checkpoint only once the
        // store holds it. Nothing is awaited here but AcceptAsync itself.
        await using var node = await StartNodeAsync(rabbitMq: false);
        var batch = IntakeMessages.Batch(3_000, 60);
        var reorganised = batch.Observed[7];

        await node.Sink.AcceptAsync(batch with { Retracted = [IntakeMessages.Retracted(reorganised)] }, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(60, node.Store.Count);
        foreach (var observed in batch.Observed)
        {
            var stored = await node.Store.GetAsync(observed.Intent.IntentId, CancellationToken.None);
            Assert.Equal(observed == reorganised ? IntentStage.Retracted : IntentStage.Open, stored?.Stage);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Sink_StoreFailsFarLongerThanTheRetractionRetryLimit_EveryIntentEndsStored(bool rabbitMq)
    {
        // On RabbitMQ the watcher checkpoints once the broker confirmed: the consumer must not give up on a storage fault.
        // In memory the sink returns only once every intent is stored, however long the store was unreachable.
        await using var node = await StartNodeAsync(rabbitMq);
        node.Store.FailuresLeft = 60;

        await node.Sink.AcceptAsync(IntakeMessages.Batch(4_000, 3), CancellationToken.None).WaitAsync(Patience);

        await node.Store.WaitForCountAsync(3).WaitAsync(Patience);
        Assert.Equal(3, node.Store.Count);
        Assert.Equal(63, node.Store.AddCalls);
    }

    [Fact]
    public async Task Sink_RetractionAfterObservation_OnRabbitMq_EndsRetracted()
    {
        await using var node = await StartNodeAsync(rabbitMq: true);
        var observed = IntakeMessages.Observed(500);

        await node.Sink.AcceptAsync(new ChainEventBatch(IntakeMessages.Origin, [observed], [IntakeMessages.Retracted(observed)], new ChainCursor(1, "0x1")), CancellationToken.None).WaitAsync(Patience);

        await node.Store.WaitForCountAsync(1).WaitAsync(Patience);
        await node.WaitForStageAsync(observed, IntentStage.Retracted);
    }

    [Fact]
    public async Task Sink_ConfirmedThenBrokerKilledAndRestarted_NothingLostAndLaterBatchesArrive()
    {
        await using var node = await StartNodeAsync(rabbitMq: true);
        // Hold every store write so that nothing is acknowledged: what the sink confirmed lives only in the broker.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Store.Gate = gate;

        await node.Sink.AcceptAsync(IntakeMessages.Batch(1_000, 40), CancellationToken.None);
        await fixture.Broker.RestartAsync(CancellationToken.None);
        gate.SetResult();
        using var sendPatience = new CancellationTokenSource(Patience);
        await node.Sink.AcceptAsync(IntakeMessages.Batch(2_000, 40), sendPatience.Token);

        await node.Store.WaitForCountAsync(80).WaitAsync(Patience);
        Assert.Equal(80, node.Store.Count);
    }

    [Fact]
    public async Task OperatorPublish_BrokerKilled_WaitsForTheBrokerAndTheBoundEndsIt()
    {
        // MassTransit (publisher confirms on) does not fail a publish while the broker is down: it waits for the
        // connection. A proposer's bounded publish gives up at its bound.
        await using var node = await StartNodeAsync(rabbitMq: true);
        await node.Publisher.PublishAsync(Refusal(1), CancellationToken.None).WaitAsync(Patience); // connected, exchange declared
        await fixture.Broker.KillAsync();
        Task waiting;
        try
        {
            waiting = node.Publisher.PublishAsync(Refusal(2), CancellationToken.None);
            var bound = BoundedPublish.BoundOf(TimeSpan.FromSeconds(4));
            Assert.Equal(TimeSpan.FromSeconds(2), bound);

            Assert.False(await BoundedPublish.PublishAsync(node.Publisher, Refusal(3), bound, TimeProvider.System, CancellationToken.None).WaitAsync(Patience));
            Assert.False(waiting.IsCompleted); // still waiting for the broker, a full bound after it began
        }
        finally
        {
            await fixture.Broker.StartAgainAsync(CancellationToken.None);
        }

        // Once the broker is back the waiting publish goes out on reconnection (as if on time): how soon depends on the
        // bus's reconnect backoff, so it is only observed here, not awaited.
        _ = waiting.ContinueWith(static p => p.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [Fact]
    public async Task OperatorPublish_BrokerGoneLongerThanTheConfirmBound_FailsInsteadOfWaitingForever()
    {
        // Every operator publish awaits the broker's confirm; a confirm that never comes (a broker restart during the
        // publish left one waiting for good in a three-operator campaign, and its node signed nothing more) must fail
        // the step, which is then tried again, instead of holding the epoch loop.
        await using var node = await StartNodeAsync(rabbitMq: true);
        var publisher = new BusOperatorPublisher(node.Bus, TimeSpan.FromSeconds(2), TimeProvider.System);
        await publisher.PublishAsync(Refusal(1), CancellationToken.None).WaitAsync(Patience);
        await fixture.Broker.KillAsync();
        try
        {
            var unconfirmed = await Assert.ThrowsAsync<OperatorPublishUnconfirmedException>(() => publisher.PublishAsync(Refusal(2), CancellationToken.None).WaitAsync(Patience));
            Assert.Contains(nameof(ManifestRefused), unconfirmed.Message, StringComparison.Ordinal);
        }
        finally
        {
            await fixture.Broker.StartAgainAsync(CancellationToken.None);
        }
    }

    private static ManifestRefused Refusal(ulong epochId) => new()
    {
        EpochId = epochId,
        ManifestHash = default,
        ProposerIndex = 0,
        VerifierId = "probe",
        Fault = ManifestFault.MalformedManifest,
        Subject = "manifest",
        Proposed = "-",
        Observed = "-",
    };

    private async Task<RunningNode> StartNodeAsync(bool rabbitMq)
    {
        var settings = new Dictionary<string, string?>
        {
            // A queue per test, so that no test sees another's messages on the shared broker.
            ["Bus:AggregatorQueue"] = $"aggregator-{Guid.NewGuid():N}",
            ["Bus:RetryIntervalMilliseconds"] = "10",
            ["Bus:RetryMaxIntervalMilliseconds"] = "50",
            ["Bus:RabbitMq"] = rabbitMq ? fixture.Broker.AmqpUri.ToString() : null,
        };
        var store = new InMemoryIntentStore();
        var eventLog = new InMemoryEventLog();
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IIntentStore>(store)
            .AddSingleton<IEventLog>(eventLog)
            .AddNodeBus(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        var provider = services.BuildServiceProvider(validateScopes: true);
        var bus = provider.GetRequiredService<IBusControl>();
        using var startPatience = new CancellationTokenSource(Patience);
        await bus.StartAsync(startPatience.Token).WaitAsync(Patience);
        return new RunningNode(provider, bus, store, eventLog);
    }

    private sealed class RunningNode(ServiceProvider provider, IBusControl bus, InMemoryIntentStore store, InMemoryEventLog eventLog) : IAsyncDisposable
    {
        public InMemoryIntentStore Store => store;

        public IChainEventSink Sink => provider.GetRequiredService<IChainEventSink>();

        public IOperatorPublisher Publisher => provider.GetRequiredService<IOperatorPublisher>();

        public IBus Bus => bus;

        public Task WaitForLoggedAsync(int count) => WaitUntilAsync(() => eventLog.Events.Count >= count);

        public Task WaitForStageAsync(DiscreteExec.Core.Messages.IntentObserved observed, IntentStage stage) =>
            WaitUntilAsync(() => store.GetAsync(observed.Intent.IntentId, default).Result?.Stage == stage);

        public async ValueTask DisposeAsync()
        {
            await bus.StopAsync(CancellationToken.None);
            await provider.DisposeAsync();
        }

        // Re-checked whenever the bus finishes consuming a message: an awaited condition, bounded by Patience.
        private async Task WaitUntilAsync(Func<bool> condition)
        {
            var changed = new SemaphoreSlim(0);
            using var observer = bus.ConnectConsumeObserver(new SignalingConsumeObserver(changed));
            using var patience = new CancellationTokenSource(Patience);
            while (!condition())
            {
                await changed.WaitAsync(patience.Token);
            }
        }
    }

    private sealed class SignalingConsumeObserver(SemaphoreSlim changed) : IConsumeObserver
    {
        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            changed.Release();
            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class
        {
            changed.Release();
            return Task.CompletedTask;
        }
    }
}
