using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>Registers the node's bus: MassTransit on RabbitMQ or in memory, the intake consumers, the watchers' sink and the integrator event publisher.</summary>
internal static class NodeBus
{
    /// <summary>
    /// Binds and validates the <c>Bus</c> section (an unknown key or a bad value throws <see cref="OptionsValidationException"/> naming it)
    /// and registers the bus. The caller registers <see cref="IIntentStore"/> and <see cref="IEventLog"/>, and
    /// <see cref="IntakeChains"/> when intake should refuse chains the node does not watch. With
    /// <paramref name="operatorQueue"/> (a member of an operator set) the other operators' manifests, attestations and
    /// refusals are consumed on that queue, this node's own (each node binds its own queue to the shared exchanges, so
    /// every node hears every message), and <see cref="IOperatorPublisher"/> publishes this node's.
    /// </summary>
    public static IServiceCollection AddNodeBus(this IServiceCollection services, IConfiguration configuration, string? operatorQueue = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = BindOptions(configuration.GetSection(BusOptions.SectionName));
        services.AddSingleton(Options.Create(options));
        AddIntakeServices(services);
        services.AddMassTransit(bus =>
        {
            // A relayer node makes no outbound calls of its own: MassTransit would report usage to its vendor's host.
            bus.DisableUsageTelemetry();
            AddIntakeConsumers(bus);
            if (operatorQueue is not null)
            {
                AddOperatorConsumers(bus);
            }

            if (options.UsesRabbitMq)
            {
                bus.UsingRabbitMq((context, rabbitMq) =>
                {
                    rabbitMq.Host(options.RabbitMqUri(), host => host.PublisherConfirmation = true);
                    ConfigureOperatorEndpoint(context, rabbitMq, operatorQueue);
                    rabbitMq.ConfigureEndpoints(context);
                });
            }
            else
            {
                bus.UsingInMemory((context, inMemory) =>
                {
                    ConfigureOperatorEndpoint(context, inMemory, operatorQueue);
                    inMemory.ConfigureEndpoints(context);
                });
            }
        });
        return services;
    }

    /// <summary>The intake consumers with their endpoint policy: the same registration on every transport and in the test harness.</summary>
    public static void AddIntakeConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<IntentObservedConsumer, IntakeConsumerDefinition<IntentObservedConsumer>>();
        bus.AddConsumer<IntentRetractedConsumer, IntakeConsumerDefinition<IntentRetractedConsumer>>();
    }

    /// <summary>The operator-set consumers, left out of the per-consumer endpoints: they run on this node's own operator queue.</summary>
    public static void AddOperatorConsumers(IBusRegistrationConfigurator bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.AddConsumer<EpochProposedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<LegAttestedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<ManifestRefusedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<SettleCoSignRequestedConsumer>().ExcludeFromConfigureEndpoints();
        bus.AddConsumer<SettleCoSignedConsumer>().ExcludeFromConfigureEndpoints();
    }

    private const int OperatorStoreFaultRetries = 1_000;

    private static void ConfigureOperatorEndpoint<TEndpoint>(IBusRegistrationContext context, IReceiveConfigurator<TEndpoint> transport, string? operatorQueue)
        where TEndpoint : IReceiveEndpointConfigurator
    {
        if (operatorQueue is null)
        {
            return;
        }

        var options = context.GetRequiredService<IOptions<BusOptions>>().Value;
        var interval = TimeSpan.FromMilliseconds(options.RetryIntervalMilliseconds);
        transport.ReceiveEndpoint(operatorQueue, endpoint =>
        {
            // A store fault (the node's Redis restarting, still LOADING) or an unconfirmed publish is retried with
            // the intake's backoff, never sent to the error queue: a manifest or attestation lost there leaves this
            // node unable to follow or sign its epoch for good (a three-operator campaign's operator stuck at epoch 26).
            endpoint.UseMessageRetry(retry =>
            {
                retry.Handle<StackExchange.Redis.RedisException>();
                retry.Handle<StackExchange.Redis.RedisTimeoutException>();
                retry.Handle<OperatorPublishUnconfirmedException>();
                retry.Exponential(OperatorStoreFaultRetries, interval, TimeSpan.FromMilliseconds(options.RetryMaxIntervalMilliseconds), interval);
            });
            endpoint.ConfigureConsumer<EpochProposedConsumer>(context);
            endpoint.ConfigureConsumer<LegAttestedConsumer>(context);
            endpoint.ConfigureConsumer<ManifestRefusedConsumer>(context);
            endpoint.ConfigureConsumer<SettleCoSignRequestedConsumer>(context);
            endpoint.ConfigureConsumer<SettleCoSignedConsumer>(context);
        });
    }

    /// <summary>The sink, the publisher and the default <see cref="IntakeChains"/>; both use the bus itself (a singleton), not a consume scope.</summary>
    public static void AddIntakeServices(IServiceCollection services)
    {
        services.TryAddSingleton(IntakeChains.Any);
        services.TryAddSingleton<IChainEventSink>(provider => new BusChainEventSink(provider.GetRequiredService<IBus>(), provider.GetRequiredService<IOptions<BusOptions>>()));
        services.TryAddSingleton<IOperatorPublisher>(provider => new BusOperatorPublisher(provider.GetRequiredService<IBus>(), BusOperatorPublisher.DefaultConfirmBound, provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.TryAddSingleton<IIntegratorEventPublisher>(provider => new IntegratorEventPublisher(provider.GetRequiredService<IEventLog>(), provider.GetRequiredService<IBus>(), provider.GetService<Microsoft.Extensions.Logging.ILogger<IntegratorEventPublisher>>()));
    }

    public static BusOptions BindOptions(IConfigurationSection section)
    {
        var options = new BusOptions();
        try
        {
            // A misspelt key (Bus:RabbitMqUrl) would otherwise leave RabbitMq empty and run the in-memory transport.
            section.Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException ex)
        {
            throw new OptionsValidationException(BusOptions.SectionName, typeof(BusOptions), [$"{BusOptions.SectionName}: {ex.Message}"]);
        }

        var problems = options.Problems();
        return problems.Count == 0 ? options : throw new OptionsValidationException(BusOptions.SectionName, typeof(BusOptions), problems);
    }
}
