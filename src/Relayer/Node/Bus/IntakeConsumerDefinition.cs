using MassTransit;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The endpoint policy of both intake consumers, which share the aggregator queue: prefetch, a concurrency limit,
/// retries (a storage fault without limit, a retraction that overtook its observation a few times, a malformed
/// message never). On RabbitMQ the queue is a classic durable one: the sink's
/// <c>queue:</c> address declares it with default arguments, which a quorum queue would refuse.
/// </summary>
internal sealed class IntakeConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    // MassTransit computes every interval up front, so "without limit" is a large count: about five weeks of
    // retries at the default 30 s cap, far longer than any store outage the node should ride out.
    private const int StorageFaultRetries = 100_000;

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

        var interval = TimeSpan.FromMilliseconds(_options.RetryIntervalMilliseconds);
        // A storage fault (anything but the two below) is retried without practical limit, the wait doubling up to
        // Bus:RetryMaxIntervalMilliseconds: the watcher checkpointed once the broker had the message, so moving it to
        // the error queue would lose the intent. On RabbitMQ the message stays unacknowledged meanwhile; should the
        // broker's consumer timeout close the channel, it is redelivered and retried again.
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<MalformedIntakeMessageException>();
            retry.Ignore<IntentNotYetObservedException>();
            retry.Exponential(StorageFaultRetries, interval, TimeSpan.FromMilliseconds(_options.RetryMaxIntervalMilliseconds), interval);
        });
        // A retraction that overtook its observation: Bus:RetryLimit times, then the error queue (logged).
        consumerConfigurator.UseMessageRetry(retry =>
        {
            retry.Handle<IntentNotYetObservedException>();
            retry.Incremental(_options.RetryLimit, interval, interval);
        });
    }
}
