using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// <c>relayer cluster --devnet</c>: a local RabbitMQ, anvil with the 2-of-3 escrow, and three operator nodes as child
/// processes (<c>relayer run --config DATA/operator-{i}/node.json</c>, embedded stores), with EVM-to-EVM transfers
/// opened each epoch. After <c>--epochs N</c> every node must hold the same batch root for every epoch up to N, every
/// transfer must be paid, and the independent chain check must find no violation.
/// </summary>
internal static partial class ClusterRunner
{
    private const int TransfersPerEpoch = 2;
    private static readonly TimeSpan EpochTimeout = TimeSpan.FromMinutes(2);

    public static async Task<bool> RunAsync(string dataDirectory, ulong epochs, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        var directory = Path.GetFullPath(dataDirectory);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any() && !File.Exists(Path.Combine(directory, DevnetNodeRunner.MarkerFile)))
        {
            throw new DevnetException($"--data-dir {directory} is not empty and was not created by a devnet run (it has no {DevnetNodeRunner.MarkerFile}); choose an empty or new directory.");
        }

        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, DevnetNodeRunner.MarkerFile), "Created by `relayer cluster --devnet`; the next run clears this directory.\n", cancellationToken).ConfigureAwait(false);

        DevnetLog.Line(log, "cluster: starting RabbitMQ and anvil (2-of-3 escrow, destination itself: operator sets are EVM-only)");
        await using var broker = await LocalRabbitMqBroker.StartAsync(cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var evm = await ClusterChainSetup.StartAsync(http, time, cancellationToken).ConfigureAwait(false);
        var apiPorts = EvmDevChain.SignerLabels.Select(_ => ChildProcess.FreePort()).ToArray();
        var configs = ClusterNodeConfigs.Write(
            ClusterChainSetup.Describe(evm, broker.AmqpUri),
            [.. apiPorts.Select(p => new ClusterNodeSeat(StoreConnectionString: null, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{p}")))],
            directory);
        var opened = configs.Select(_ => new EpochWatch()).ToArray();
        var nodes = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < configs.Count; i++)
            {
                var watch = opened[i];
                nodes.Add(StartNode(configs[i], watch.Line));
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"{ClusterNodeConfigs.OperatorId(i)}: {configs[i]}  api http://127.0.0.1:{apiPorts[i]}/"));
            }

            var intents = new List<ClusterIntent>();
            for (var epoch = 1UL; epoch <= epochs; epoch++)
            {
                intents.AddRange(await ClusterChainSetup.OpenTransfersAsync(evm, epoch.ToString(CultureInfo.InvariantCulture), TransfersPerEpoch, time, cancellationToken).ConfigureAwait(false));
                await Task.WhenAll(opened.Select(w => w.OpenedAsync(epoch + 1))).WaitAsync(EpochTimeout, time, cancellationToken).ConfigureAwait(false);
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"epoch {epoch} done on every operator"));
            }

            var agreed = await CompareRootsAsync(http, apiPorts, epochs, log, cancellationToken).ConfigureAwait(false);
            var unpaid = 0;
            foreach (var intent in intents)
            {
                unpaid += await evm.IsPaidAsync(intent.IntentId, cancellationToken).ConfigureAwait(false) ? 0 : 1;
            }

            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"{intents.Count} transfers opened, {intents.Count - unpaid} paid, {unpaid} not paid"));
            var configuration = NodeOptionsLoader.Load(configs[0]);
            var history = await ChainHistoryReading.ReadAsync(configuration, drained: false, http, NullLoggerFactory.Instance, time, cancellationToken).ConfigureAwait(false);
            var check = ChainChecker.Check(history);
            DevnetLog.Line(log, "the escrow's history, checked from the chain alone:");
            check.WriteTo(log);
            return agreed && check.Passed && unpaid == 0;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Every epoch's batch root as each node's API reports it; false (and the differences printed) when they are not all one.</summary>
    private static async Task<bool> CompareRootsAsync(HttpClient http, int[] apiPorts, ulong epochs, TextWriter log, CancellationToken cancellationToken)
    {
        var agreed = true;
        for (var epoch = 1UL; epoch <= epochs; epoch++)
        {
            var roots = new List<string>();
            foreach (var port in apiPorts)
            {
                var view = await http.GetFromJsonAsync<EpochRootView>(new Uri(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}/v1/epochs/{epoch}")), cancellationToken).ConfigureAwait(false);
                roots.Add(view?.BatchRoot ?? "(none)");
            }

            var same = roots.Distinct(StringComparer.Ordinal).Count() == 1 && roots[0] != "(none)";
            agreed &= same;
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}: {(same ? "every operator holds root " + roots[0] : "roots differ: " + string.Join(", ", roots))}"));
        }

        return agreed;
    }

    private static ChildProcess StartNode(string config, Action<string> onLine)
    {
        var relayer = typeof(ClusterRunner).Assembly.Location;
        var host = Environment.ProcessPath ?? "dotnet";
        string[] arguments = Path.GetFileNameWithoutExtension(host) == "dotnet" ? [relayer, "run", "--config", config] : ["run", "--config", config];
        return ChildProcess.Start(Path.GetFileName(Path.GetDirectoryName(config)!), host, arguments, onLine);
    }

    private sealed record EpochRootView(string? BatchRoot);

    /// <summary>The highest "Epoch N open" a node printed, awaitable.</summary>
    private sealed class EpochWatch
    {
        private readonly Lock _gate = new();
        private readonly List<(ulong Epoch, TaskCompletionSource Reached)> _waiting = [];
        private ulong _highest;

        public void Line(string line)
        {
            if (OpenedLine().Match(line) is not { Success: true } match)
            {
                return;
            }

            var epoch = ulong.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            lock (_gate)
            {
                _highest = Math.Max(_highest, epoch);
                foreach (var waiting in _waiting.Where(w => w.Epoch <= _highest))
                {
                    waiting.Reached.TrySetResult();
                }
            }
        }

        public Task OpenedAsync(ulong epoch)
        {
            lock (_gate)
            {
                if (_highest >= epoch)
                {
                    return Task.CompletedTask;
                }

                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((epoch, reached));
                return reached.Task;
            }
        }
    }

    [GeneratedRegex(@"Epoch (\d+) open\b")]
    private static partial Regex OpenedLine();
}
