using System.Diagnostics;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Bench;

/// <summary>One measured bus workload: how many messages, how long from the first send to the last one consumed.</summary>
internal sealed record BusMeasurement(string Workload, int Messages, TimeSpan Elapsed)
{
    public long PerSecond => Elapsed.Ticks == 0 ? 0 : Messages * TimeSpan.TicksPerSecond / Elapsed.Ticks;
}

/// <summary>
/// `bench bus`: (a) raw MassTransit publish to consume of IntentObserved, (b) the node's intake path (BusChainEventSink
/// to the aggregator queue to IntentObservedConsumer to the store), the same messages in the same batches on the same
/// broker and endpoint settings. The store is whatever <c>addStore</c> registers (IIntentStore and IEventLog): the
/// node's embedded server or in-memory stand-ins.
/// </summary>
internal static class BusBenchmarkRunner
{
    public const int WarmUpMessages = 500;

    public static async Task<BusMeasurement> RawAsync(Uri rabbitMq, int messages, int batch, BusOptions options, CancellationToken cancellationToken)
    {
        var counter = new ConsumedCounter();
        var queue = $"bench-raw-{NewId.NextGuid():N}";
        var bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(rabbit =>
        {
            rabbit.Host(rabbitMq, host => host.PublisherConfirmation = true);
            rabbit.ReceiveEndpoint(queue, endpoint =>
            {
                endpoint.PrefetchCount = options.PrefetchCount;
                endpoint.ConcurrentMessageLimit = options.ConcurrencyLimit;
                endpoint.Consumer(() => new CountingConsumer(counter));
            });
        });
        await bus.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await MeasureAsync("raw publish->consume", messages, counter, (first, count) =>
                Task.WhenAll(Messages(first, count).Select(message => bus.Publish(message, cancellationToken))), batch).ConfigureAwait(false);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public static async Task<BusMeasurement> IntakeAsync(Uri rabbitMq, int messages, int batch, BusOptions options, Action<IServiceCollection> addStore, CancellationToken cancellationToken)
    {
        var counter = new ConsumedCounter();
        var settings = new Dictionary<string, string?>
        {
            ["Bus:RabbitMq"] = rabbitMq.ToString(),
            ["Bus:AggregatorQueue"] = $"bench-intake-{NewId.NextGuid():N}",
            ["Bus:PrefetchCount"] = options.PrefetchCount.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Bus:ConcurrencyLimit"] = options.ConcurrencyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var services = new ServiceCollection().AddLogging();
        addStore(services);
        services.AddNodeBus(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        await using var provider = services.BuildServiceProvider();
        var bus = provider.GetRequiredService<IBusControl>();
        using var observer = bus.ConnectConsumeObserver(counter);
        await bus.StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var sink = provider.GetRequiredService<IChainEventSink>();
            return await MeasureAsync("node intake", messages, counter, (first, count) =>
                sink.AcceptAsync(new ChainEventBatch(Origin, [.. Messages(first, count)], [], new ChainCursor((ulong)(first + count), "0x")), cancellationToken), batch).ConfigureAwait(false);
        }
        finally
        {
            await bus.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Registers in-memory stand-ins of the intent store and the event log: the intake path without store round trips.</summary>
    public static void AddInMemoryStore(IServiceCollection services) =>
        services.AddSingleton<IIntentStore>(new InMemoryBenchIntentStore()).AddSingleton<IEventLog>(new InMemoryBenchEventLog());

    /// <summary>Registers the node's own store: the embedded server with its data under <paramref name="dataDirectory"/>.</summary>
    public static void AddEmbeddedStore(IServiceCollection services, string dataDirectory) =>
        services.AddNodeStore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Store:DataDirectory"] = dataDirectory }).Build());

    private static readonly Core.ChainId Origin = new(31337);

    // A warm-up of its own messages first (JIT, connections, queue declaration), then the measured run.
    private static async Task<BusMeasurement> MeasureAsync(string workload, int messages, ConsumedCounter counter, Func<int, int, Task> sendBatch, int batch)
    {
        await SendAllAsync(0, WarmUpMessages, sendBatch, batch).ConfigureAwait(false);
        await counter.WaitForAsync(WarmUpMessages).ConfigureAwait(false);
        var stopwatch = Stopwatch.StartNew();
        await SendAllAsync(WarmUpMessages, messages, sendBatch, batch).ConfigureAwait(false);
        await counter.WaitForAsync(WarmUpMessages + messages).ConfigureAwait(false);
        stopwatch.Stop();
        return new BusMeasurement(workload, messages, stopwatch.Elapsed);
    }

    private static async Task SendAllAsync(int first, int count, Func<int, int, Task> sendBatch, int batch)
    {
        for (var offset = 0; offset < count; offset += batch)
        {
            await sendBatch(first + offset, Math.Min(batch, count - offset)).ConfigureAwait(false);
        }
    }

    private static IEnumerable<IntentObserved> Messages(int first, int count) => Enumerable.Range(first, count).Select(i =>
    {
        var nonce = (ulong)i;
        return new IntentObserved
        {
            Intent = new Intent
            {
                IntentId = IntentId.Compute(Origin, Core.Bytes32.FromUInt64(0xE5C), nonce),
                OriginChainId = Origin,
                DepositNonce = nonce,
                Depositor = Core.Bytes32.FromUInt64(1),
                InputToken = Core.Bytes32.FromUInt64(2),
                InputAmount = 1_000,
                DestinationChainId = new Core.ChainId(900),
                OutputToken = Core.Bytes32.FromUInt64(3),
                MinOutputAmount = 900,
                Recipient = Core.Bytes32.FromUInt64(4),
                FillDeadline = 2_000_000_000,
            },
            Position = new ChainPosition { BlockNumber = nonce, BlockHash = "0x", TransactionId = "0x", LogIndex = 0 },
        };
    });

    private sealed class CountingConsumer(ConsumedCounter counter) : IConsumer<IntentObserved>
    {
        public Task Consume(ConsumeContext<IntentObserved> context)
        {
            counter.Increment();
            return Task.CompletedTask;
        }
    }

    /// <summary>Counts completed IntentObserved consumes and wakes a waiter at its target.</summary>
    private sealed class ConsumedCounter : IConsumeObserver
    {
        private readonly Lock _lock = new();
        private long _count;
        private (long Target, TaskCompletionSource Done)? _waiter;

        public void Increment()
        {
            lock (_lock)
            {
                _count++;
                if (_waiter is { } waiter && _count >= waiter.Target)
                {
                    waiter.Done.TrySetResult();
                    _waiter = null;
                }
            }
        }

        public Task WaitForAsync(long target)
        {
            lock (_lock)
            {
                if (_count >= target)
                {
                    return Task.CompletedTask;
                }

                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiter = (target, done);
                return done.Task;
            }
        }

        public Task PreConsume<T>(ConsumeContext<T> context) where T : class => Task.CompletedTask;

        public Task PostConsume<T>(ConsumeContext<T> context) where T : class
        {
            if (typeof(T) == typeof(IntentObserved))
            {
                Increment();
            }

            return Task.CompletedTask;
        }

        public Task ConsumeFault<T>(ConsumeContext<T> context, Exception exception) where T : class => Task.CompletedTask;
    }
}
