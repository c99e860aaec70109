using MassTransit;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The endpoint policy of both intake consumers, which share the aggregator queue: prefetch, a concurrency limit,
/// retries (never for a malformed message), and on RabbitMQ a quorum (or classic durable) queue.
/// </summary>
internal sealed class IntakeConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly BusOptions _options;

    public IntakeConsumerDefinition(IOptions<BusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        EndpointName = _options.AggregatorQueue;
        ConcurrentMessageLimit = _options.ConcurrencyLimit;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = _options.PrefetchCount;
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbitMq)
        {
            rabbitMq.Durable = true;
            if (_options.QuorumQueues)
            {
                rabbitMq.SetQuorumQueue();
            }
        }

        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<MalformedIntakeMessageException>();
            var interval = TimeSpan.FromMilliseconds(_options.RetryIntervalMilliseconds);
            retry.Incremental(_options.RetryLimit, interval, interval);
        });
    }
}
