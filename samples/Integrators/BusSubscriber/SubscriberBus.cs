using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Samples.BusSubscriber;

/// <summary>The subscriber's bus: a durable queue of its own on the node's RabbitMQ, bound to the event exchanges.</summary>
public static class SubscriberBus
{
    /// <summary>
    /// Registers MassTransit on RabbitMQ at <paramref name="rabbitMq"/> with <see cref="SettlementConsumer"/> on the
    /// queue <paramref name="queueName"/> (durable: events published while the subscriber is down wait there).
    /// </summary>
    public static IServiceCollection AddSubscriberBus(this IServiceCollection services, Uri rabbitMq, string queueName)
    {
        ArgumentNullException.ThrowIfNull(rabbitMq);
        services.AddSingleton<SettlementJournal>();
        services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.AddConsumer<SettlementConsumer>();
            bus.UsingRabbitMq((context, configurator) =>
            {
                configurator.Host(rabbitMq);
                configurator.ReceiveEndpoint(queueName, endpoint =>
                {
                    endpoint.UseMessageRetry(retry => retry.Incremental(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200)));
                    endpoint.ConfigureConsumer<SettlementConsumer>(context);
                });
            });
        });
        return services;
    }
}
