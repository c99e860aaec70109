using System.CommandLine;
using System.Globalization;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Relayer.Bench;
using DiscreteExec.Relayer.Node.Bus;
using Microsoft.Extensions.DependencyInjection;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// `bench clearing --intents N[,N...]`: clearing throughput, time and peak memory against the floor; `bench bus`: bus
/// intake against raw MassTransit; `bench node`: the node's own time per epoch on the devnet; `bench operators`: a
/// manifest's publication to a threshold of signatures, against the clearing.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var intents = new Option<string>("--intents")
        {
            Description = "Comma-separated epoch sizes, e.g. 10000,100000,1000000. Suffixes k and m are accepted.",
            DefaultValueFactory = _ => "10k,100k,1m",
        };
        // Checked while parsing, so that a bad size is a usage error (exit 2) like any other, not an unhandled exception.
        intents.Validators.Add(result =>
        {
            try
            {
                ParseSizes(result.GetValueOrDefault<string>());
            }
            catch (ArgumentException ex)
            {
                result.AddError(ex.Message);
            }
        });
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic epochs.", DefaultValueFactory = _ => 42 };
        var child = new Option<string?>("--child") { Description = "Internal: run one workload (clear|floor) in this process.", Hidden = true };

        var clearing = new Command("clearing", "Clear synthetic epochs and compare with the floor (sort + hash leaves into a Merkle root).")
        {
            intents,
            seed,
            child,
        };
        clearing.SetAction(async (parseResult, cancellationToken) =>
        {
            var sizes = ParseSizes(parseResult.GetValue(intents)!);
            var output = parseResult.InvocationConfiguration.Output;
            var workload = parseResult.GetValue(child);
            if (workload is not null)
            {
                var measurement = ClearingBenchmarkRunner.RunInProcess(workload, sizes[0], parseResult.GetValue(seed));
                await output.WriteLineAsync(ClearingBenchmarkRunner.Format(measurement)).ConfigureAwait(false);
                return 0;
            }

            await output.WriteLineAsync($"bench clearing: {Environment.ProcessorCount} cores, .NET {Environment.Version}, seed {parseResult.GetValue(seed)}; each run in its own process").ConfigureAwait(false);
            // The hasher the floor and the clearing use, and what it gains over the scalar path on this CPU.
            var scalar = ClearingFloor.LeafHashNanoseconds(KeccakPath.Scalar, 50_000);
            var fastest = ClearingFloor.LeafHashNanoseconds(Keccak256Batch.Path, 50_000);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"keccak: {Keccak256Batch.Path} path; 224-byte leaf on one core: scalar {scalar:0} ns, {Keccak256Batch.Path} {fastest:0} ns ({scalar / fastest:0.00}x)")).ConfigureAwait(false);
            await output.WriteLineAsync(Row("intents", "workload", "time", "intents/s", "peak memory", "clear/floor")).ConfigureAwait(false);
            foreach (var size in sizes)
            {
                var floor = await ClearingBenchmarkRunner.RunInChildAsync(ClearingBenchmarkRunner.FloorWorkload, size, parseResult.GetValue(seed), cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(Describe(floor, null)).ConfigureAwait(false);
                var clear = await ClearingBenchmarkRunner.RunInChildAsync(ClearingBenchmarkRunner.ClearWorkload, size, parseResult.GetValue(seed), cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(Describe(clear, floor)).ConfigureAwait(false);
            }

            return 0;
        });

        return new Command("bench", "Measure the relayer's hot paths.") { clearing, CreateBus(), NodeBenchCommand.Create(), OperatorBenchCommand.Create() };
    }

    private static Command CreateBus()
    {
        var rabbitMq = new Option<Uri?>("--rabbitmq") { Description = "The broker, e.g. amqp://guest:guest@127.0.0.1:5672/. Default: a local rabbitmq-server started for this run." };
        var messages = new Option<int>("--messages") { Description = "Messages per workload.", DefaultValueFactory = _ => 5_000 };
        var batch = new Option<int>("--batch") { Description = "Messages per watcher batch (sent together, confirmed together).", DefaultValueFactory = _ => 100 };
        var store = new Option<string>("--store") { Description = "The intake's store: 'embedded' (the node's default: the embedded server, in a temporary directory) or 'memory' (in-process stand-ins, no store round trips).", DefaultValueFactory = _ => "embedded" };
        store.AcceptOnlyFromAmong("embedded", "memory");
        var prefetch = new Option<int>("--prefetch") { Description = "Bus:PrefetchCount of both endpoints.", DefaultValueFactory = _ => new BusOptions().PrefetchCount };
        var concurrency = new Option<int>("--concurrency") { Description = "Bus:ConcurrencyLimit of both endpoints.", DefaultValueFactory = _ => new BusOptions().ConcurrencyLimit };
        messages.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 1 or > 10_000_000) { result.AddError("--messages must be between 1 and 10000000."); } });
        batch.Validators.Add(result => { if (result.GetValueOrDefault<int>() is < 1 or > 100_000) { result.AddError("--batch must be between 1 and 100000."); } });
        var bus = new Command("bus", "Bus intake: raw MassTransit publish->consume against the node's intake path (sink -> queue -> consumer -> store), same broker, same run.")
        {
            rabbitMq,
            messages,
            batch,
            store,
            prefetch,
            concurrency,
        };
        bus.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var count = parseResult.GetValue(messages);
            var batchSize = parseResult.GetValue(batch);
            var options = new BusOptions { PrefetchCount = parseResult.GetValue(prefetch), ConcurrencyLimit = parseResult.GetValue(concurrency) };
            if (options.Problems() is { Count: > 0 } problems)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync(string.Join(Environment.NewLine, problems)).ConfigureAwait(false);
                return 2;
            }

            await using var localBroker = parseResult.GetValue(rabbitMq) is null ? await LocalRabbitMqBroker.StartAsync(cancellationToken).ConfigureAwait(false) : null;
            var broker = parseResult.GetValue(rabbitMq) ?? localBroker!.AmqpUri;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bench bus: RabbitMQ {broker.Host}:{broker.Port}{(localBroker is null ? string.Empty : " (a local rabbitmq-server started for this run)")}, {count} messages per workload in batches of {batchSize}, prefetch {options.PrefetchCount}, concurrency {options.ConcurrencyLimit}, {Environment.ProcessorCount} cores")).ConfigureAwait(false);
            var inMemory = parseResult.GetValue(store) == "memory";
            var storeDirectory = inMemory ? null : Directory.CreateTempSubdirectory("bench-bus-store-");
            await output.WriteLineAsync(inMemory
                ? "store: in-memory IIntentStore and IEventLog stand-ins (no store round trips)"
                : $"store: the embedded server (the node's default), data in {storeDirectory!.FullName}").ConfigureAwait(false);
            var raw = await BusBenchmarkRunner.RawAsync(broker, count, batchSize, options, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync(Describe(raw)).ConfigureAwait(false);
            Action<IServiceCollection> addStore = inMemory ? BusBenchmarkRunner.AddInMemoryStore : services => BusBenchmarkRunner.AddEmbeddedStore(services, storeDirectory!.FullName);
            BusMeasurement intake;
            try
            {
                intake = await BusBenchmarkRunner.IntakeAsync(broker, count, batchSize, options, addStore, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                storeDirectory?.Delete(recursive: true);
            }

            await output.WriteLineAsync(Describe(intake)).ConfigureAwait(false);
            var percent = raw.PerSecond == 0 ? 0 : intake.PerSecond * 100 / raw.PerSecond;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"intake/raw: {percent}% (goal >= 80%)")).ConfigureAwait(false);
            return 0;
        });
        return bus;
    }

    private static string Describe(BusMeasurement m) => string.Create(
        CultureInfo.InvariantCulture,
        $"{m.Workload,-22} {m.Messages,9:N0} msgs  {m.Elapsed.TotalMilliseconds,9:N0} ms  {m.PerSecond,9:N0} msgs/s");

    internal static int[] ParseSizes(string text)
    {
        int[] sizes =
        [
            .. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
            {
                var multiplier = part[^1] switch { 'k' or 'K' => 1_000, 'm' or 'M' => 1_000_000, _ => 1 };
                var digits = multiplier == 1 ? part : part[..^1];
                return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && (long)value * multiplier <= 50_000_000
                    ? value * multiplier
                    : throw new ArgumentException($"--intents: '{part}' is not a size between 1 and 50m.");
            }),
        ];
        return sizes.Length > 0 ? sizes : throw new ArgumentException($"--intents: '{text}' lists no size; give at least one, e.g. 10k,100k.");
    }

    private static string Describe(BenchMeasurement m, BenchMeasurement? floor)
    {
        var perSecond = m.Elapsed.Ticks == 0 ? 0 : (long)m.Intents * TimeSpan.TicksPerSecond / m.Elapsed.Ticks;
        var ratio = floor is null ? "-" : FormatRatio(m.Elapsed.Ticks, floor.Elapsed.Ticks);
        return Row(
            m.Intents.ToString("N0", CultureInfo.InvariantCulture),
            m.Workload,
            $"{m.Elapsed.TotalMilliseconds.ToString("N0", CultureInfo.InvariantCulture)} ms",
            perSecond.ToString("N0", CultureInfo.InvariantCulture),
            $"{(m.PeakBytes / (1024 * 1024)).ToString("N0", CultureInfo.InvariantCulture)} MiB",
            ratio);
    }

    // Two decimals, integer arithmetic.
    internal static string FormatRatio(long numerator, long denominator)
    {
        if (denominator == 0)
        {
            return "-";
        }

        var hundredths = ((numerator * 100) + (denominator / 2)) / denominator;
        return string.Create(CultureInfo.InvariantCulture, $"{hundredths / 100}.{hundredths % 100:D2}x");
    }

    private static string Row(string a, string b, string c, string d, string e, string f) =>
        $"{a,12}  {b,-8}  {c,10}  {d,12}  {e,12}  {f,11}";
}
