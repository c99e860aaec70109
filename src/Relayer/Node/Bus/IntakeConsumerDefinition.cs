using MassTransit;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The endpoint policy of both intake consumers, which share the aggregator queue: prefetch, a concurrency limit,
/// retries (never for a malformed message). On RabbitMQ the queue is a classic durable one: the sink's
/// <c>queue:</c> address declares it with default arguments, which a quorum queue would refuse.
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
        // Only what the watchers send arrives here: no binding to the IntentObserved/IntentRetracted exchanges, so a
        // publish of those types (by anyone) never reaches the aggregator.
        endpointConfigurator.ConfigureConsumeTopology = false;

        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<MalformedIntakeMessageException>();
            var interval = TimeSpan.FromMilliseconds(_options.RetryIntervalMilliseconds);
            retry.Incremental(_options.RetryLimit, interval, interval);
        });
    }
}
