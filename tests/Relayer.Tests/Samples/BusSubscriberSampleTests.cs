using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.Relayer.Tests.Node.Bus;
using DiscreteExec.Samples.BusSubscriber;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Tests.Samples;

/// <summary>
/// The MassTransit sample integrator (samples/Integrators/BusSubscriber) against the node's own publisher on a real
/// RabbitMQ: the events arrive under their wire names and a republished event is recognised as a duplicate.
/// </summary>
[Collection(SharedRabbitMq.Name)]
public sealed class BusSubscriberSampleTests(RabbitMqBrokerFixture fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Subscriber_NodePublishesSettlementsAndRepeatsOne_EachOutcomeRecordedOnceAndTheRepeatCountedAsDuplicate()
    {
        var subscriberServices = new ServiceCollection().AddLogging().AddSubscriberBus(fixture.Broker.AmqpUri, $"integrator-{Guid.NewGuid():N}");
        await using var subscriber = subscriberServices.BuildServiceProvider();
        var subscriberBus = subscriber.GetRequiredService<IBusControl>();
        await subscriberBus.StartAsync(CancellationToken.None).WaitAsync(Patience);

        var nodeServices = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IIntentStore>(new InMemoryIntentStore())
            .AddSingleton<IEventLog>(new InMemoryEventLog())
            .AddNodeBus(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Bus:AggregatorQueue"] = $"aggregator-{Guid.NewGuid():N}",
                ["Bus:RabbitMq"] = fixture.Broker.AmqpUri.ToString(),
            }).Build());
        await using var node = nodeServices.BuildServiceProvider();
        var nodeBus = node.GetRequiredService<IBusControl>();
        await nodeBus.StartAsync(CancellationToken.None).WaitAsync(Patience);
        try
        {
            var paid = Bytes32.Parse("0x" + new string('a', 64));
            var refunded = Bytes32.Parse("0x" + new string('b', 64));
            var settled = new IntentSettled(IntegratorEventIds.Settled(paid), 7, paid, new ChainId(900001), Bytes32.Parse("0x" + new string('c', 64)), UInt256.Parse("2498750000"), "5VfY...sig");
            var publisher = node.GetRequiredService<IIntegratorEventPublisher>();
            await publisher.PublishAsync(new EpochCleared(IntegratorEventIds.Cleared(7), 7, Bytes32.Parse("0x" + new string('d', 64)), [], 1, 1, 0, 2), CancellationToken.None);
            await publisher.PublishAsync(settled, CancellationToken.None);
            await publisher.PublishAsync(new IntentRefunded(IntegratorEventIds.Refunded(refunded), 7, refunded, new ChainId(31337), Bytes32.Parse("0x" + new string('e', 64)), UInt256.Parse("5000000"), "Expired", "0x" + new string('f', 64)), CancellationToken.None);
            await publisher.PublishAsync(settled, CancellationToken.None); // a replayed step publishes the same event again

            var journal = subscriber.GetRequiredService<SettlementJournal>();
            var deliveries = new List<Delivery>();
            using var patience = new CancellationTokenSource(Patience);
            while (deliveries.Count < 4)
            {
                deliveries.Add(await journal.Deliveries.ReadAsync(patience.Token));
            }

            Assert.Equal(1, deliveries.Count(d => d.IsDuplicate));
            Assert.Equal(settled.EventId, deliveries.Single(d => d.IsDuplicate).Event.EventId);
            Assert.Equal(1, journal.Duplicates);
            Assert.Equal(2, journal.Outcomes.Count);
            Assert.Equal("settled 2498750000 on chain 900001 in epoch 7 (tx 5VfY...sig)", journal.Outcomes[paid]);
            Assert.StartsWith("refunded 5000000 on chain 31337 in epoch 7: Expired", journal.Outcomes[refunded], StringComparison.Ordinal);
            var cleared = Assert.IsType<EpochCleared>(deliveries.Single(d => d.Event is EpochCleared).Event);
            Assert.Equal(2, cleared.Chunks);
        }
        finally
        {
            await nodeBus.StopAsync(CancellationToken.None);
            await subscriberBus.StopAsync(CancellationToken.None);
        }
    }
}
