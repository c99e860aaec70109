using DiscreteExec.Relayer.Node.Bus;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>One local RabbitMQ for the whole test run (~10 s to start); a missing rabbitmq-server fails the tests, naming the package.</summary>
public sealed class RabbitMqBrokerFixture : IAsyncLifetime
{
    private LocalRabbitMqBroker? _broker;

    internal LocalRabbitMqBroker Broker => _broker ?? throw new InvalidOperationException("The broker did not start.");

    public async Task InitializeAsync() => _broker = await LocalRabbitMqBroker.StartAsync(CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedRabbitMq : ICollectionFixture<RabbitMqBrokerFixture>
{
    public const string Name = "RabbitMQ";
}
