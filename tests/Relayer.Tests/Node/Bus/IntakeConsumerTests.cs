using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>The intake consumers in the MassTransit test harness, over in-memory fakes of the store and the event log.</summary>
public sealed class IntakeConsumerTests : IAsyncLifetime
{
    private readonly InMemoryIntentStore _store = new();
    private readonly InMemoryEventLog _eventLog = new();
    private IntakeChains _chains = IntakeChains.Any;
    private ServiceProvider? _provider;
    private ITestHarness _harness = null!;
    private ISendEndpoint _aggregator = null!;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_provider is not null)
        {
            await _provider.DisposeAsync();
        }
    }

    [Fact]
    public async Task Consume_SameIntentObservedTwice_StoredOnceAndLoggedOnce()
    {
        await StartAsync();
        var observed = IntakeMessages.Observed(1);

        await SendAndConsumeAsync(observed);
        await SendAndConsumeAsync(observed);

        Assert.Equal(2, _store.AddCalls);
        Assert.Equal(1, _store.Count);
        var logged = Assert.Single(_eventLog.Events);
        Assert.Equal(IntegratorEventIds.Accepted(observed.Intent.IntentId), logged.EventId);
        Assert.Equal(nameof(IntentAccepted), logged.Type);
    }

    [Fact]
    public async Task Consume_NewIntent_PublishesIntentAcceptedWithItsDeterministicId()
    {
        await StartAsync();
        var observed = IntakeMessages.Observed(2);

        await SendAndConsumeAsync(observed);

        var published = await _harness.Published.SelectAsync<IntentAccepted>().First();
        Assert.Equal(IntegratorEventIds.Accepted(observed.Intent.IntentId), published.Context.Message.EventId);
        Assert.Equal(observed.Intent, published.Context.Message.Intent);
        Assert.Equal(IntegratorEventPublisher.MessageId(published.Context.Message.EventId), published.Context.MessageId);
        Assert.Equal(IntentStage.Open, (await _store.GetAsync(observed.Intent.IntentId, default))!.Stage);
    }

    [Fact]
    public async Task Consume_StoreFailsLongerThanTheRetryLimit_RetriedUntilTheIntentIsStored()
    {
        // The watcher checkpointed once the broker had the message: giving up on it would lose the intent.
        const int failures = 25;
        _store.FailuresLeft = failures;
        await StartAsync();
        var observed = IntakeMessages.Observed(8);

        await _aggregator.Send(observed);

        await _store.WaitForCountAsync(1).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(failures + 1, _store.AddCalls);
        Assert.Equal(IntentStage.Open, (await _store.GetAsync(observed.Intent.IntentId, default))!.Stage);
        Assert.False(await _harness.Published.Any<Fault<IntentObserved>>());
    }

    [Fact]
    public async Task Consume_ObservedWithNullIntent_FaultsOnceNamingTheFieldAndStoresNothing()
    {
        await StartAsync();

        await _aggregator.Send(new IntentObserved { Intent = null!, Position = IntakeMessages.Observed(3).Position });

        var fault = await _harness.Published.SelectAsync<Fault<IntentObserved>>().First();
        Assert.Contains("Intent is null", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.AddCalls);
        // Not retried: a malformed message goes straight to the error queue.
        Assert.Single(_harness.Consumed.Select<IntentObserved>());
    }

    [Fact]
    public async Task Consume_ObservedOfAChainTheNodeDoesNotWatch_FaultsNamingTheChain()
    {
        _chains = IntakeChains.Of([IntakeMessages.Origin, IntakeMessages.Destination]);
        await StartAsync();

        await _aggregator.Send(IntakeMessages.Observed(4, new ChainId(5)));

        var fault = await _harness.Published.SelectAsync<Fault<IntentObserved>>().First();
        Assert.Contains("origin chain 5 is not a chain this node watches", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Consume_RetractionOfAnOpenIntent_MarksItRetracted()
    {
        await StartAsync();
        var observed = IntakeMessages.Observed(5);
        await SendAndConsumeAsync(observed);

        await _aggregator.Send(IntakeMessages.Retracted(observed));

        Assert.True(await _harness.Consumed.Any<IntentRetracted>());

        Assert.Equal(IntentStage.Retracted, (await _store.GetAsync(observed.Intent.IntentId, default))!.Stage);
        Assert.False(await _harness.Published.Any<Fault<IntentRetracted>>());
    }

    [Fact]
    public async Task Consume_RetractionOfAnIntentNeverObserved_IsRetriedThenFaults()
    {
        await StartAsync();

        await _aggregator.Send(IntakeMessages.Retracted(IntakeMessages.Observed(6)));

        var fault = await _harness.Published.SelectAsync<Fault<IntentRetracted>>().First();
        Assert.Contains("is not stored (yet)", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Consume_RetractionNamingAnotherChainThanTheObservation_Faults()
    {
        await StartAsync();
        var observed = IntakeMessages.Observed(7);
        await SendAndConsumeAsync(observed);

        await _aggregator.Send(IntakeMessages.Retracted(observed) with { ChainId = IntakeMessages.Destination });

        var fault = await _harness.Published.SelectAsync<Fault<IntentRetracted>>().First();
        Assert.Contains("it was observed on chain 31337", fault.Context.Message.Exceptions[0].Message, StringComparison.Ordinal);
        Assert.Equal(IntentStage.Open, (await _store.GetAsync(observed.Intent.IntentId, default))!.Stage);
    }

    private async Task StartAsync()
    {
        var services = new ServiceCollection()
            .AddSingleton<IIntentStore>(_store)
            .AddSingleton<IEventLog>(_eventLog)
            .AddSingleton(_chains)
            .AddSingleton(Options.Create(new BusOptions { RetryLimit = 1, RetryIntervalMilliseconds = 0 }));
        NodeBus.AddIntakeServices(services);
        services.AddMassTransitTestHarness(NodeBus.AddIntakeConsumers);
        _provider = services.BuildServiceProvider(validateScopes: true);
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();
        _aggregator = await _harness.Bus.GetSendEndpoint(new Uri($"queue:{new BusOptions().AggregatorQueue}"));
    }

    private async Task SendAndConsumeAsync(IntentObserved observed)
    {
        var messageId = NewId.NextGuid();
        await _aggregator.Send(observed, context => context.MessageId = messageId);
        Assert.True(await _harness.Consumed.Any<IntentObserved>(consumed => consumed.Context.MessageId == messageId));
    }
}
