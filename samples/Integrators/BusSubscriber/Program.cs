using DiscreteExec.Samples.BusSubscriber;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// dotnet run --project samples/Integrators/BusSubscriber -- amqp://guest:guest@127.0.0.1:5672/ [queue-name]
if (args.Length < 1 || !Uri.TryCreate(args[0], UriKind.Absolute, out var rabbitMq) || rabbitMq.Scheme is not ("amqp" or "amqps"))
{
    await Console.Error.WriteLineAsync("usage: BusSubscriber amqp://user:password@host:5672/[vhost] [queue-name]  (the node's Bus:RabbitMq)");
    return 2;
}

var queueName = args.Length > 1 ? args[1] : "integrator-sample";
var builder = Host.CreateApplicationBuilder();
builder.Services.AddSubscriberBus(rabbitMq, queueName);
using var host = builder.Build();
await host.StartAsync();
var journal = host.Services.GetRequiredService<SettlementJournal>();
Console.WriteLine($"Following settlement events on {rabbitMq.Host}:{rabbitMq.Port}, queue {queueName}; Ctrl+C stops.");
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
try
{
    await foreach (var delivery in journal.Deliveries.ReadAllAsync(stop.Token))
    {
        Console.WriteLine(delivery.IsDuplicate ? $"{delivery.Event.EventId}  (duplicate, dropped)" : $"{delivery.Event.EventId}  {journal.Outcomes.GetValueOrDefault(IntentOf(delivery.Event)) ?? delivery.Event.GetType().Name}");
    }
}
catch (OperationCanceledException)
{
}

await host.StopAsync();
Console.WriteLine($"{journal.Outcomes.Count} intents followed, {journal.Duplicates} duplicate deliveries dropped.");
return 0;

static DiscreteExec.Core.Bytes32 IntentOf(DiscreteExec.Core.Messages.IIntegratorEvent integratorEvent) => integratorEvent switch
{
    DiscreteExec.Core.Messages.IntentSettled settled => settled.IntentId,
    DiscreteExec.Core.Messages.IntentRefunded refunded => refunded.IntentId,
    _ => default,
};
