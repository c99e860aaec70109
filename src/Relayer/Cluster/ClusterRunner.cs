using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// <c>relayer cluster --devnet</c>: a local RabbitMQ, anvil and the Solana dev node with 2-of-3 escrows whose signers are
/// the three operators, and three operator nodes as child processes (<c>relayer run --config
/// DATA/operator-{i}/node.json</c>, embedded stores), with the devnet's traffic opened both ways each epoch. After
/// <c>--epochs N</c> (and the epochs that settle what is left) every node must hold the same batch root for every epoch
/// up to N, every intent's fate must be consistent on both chains (<c>0 lost, 0 double-paid</c>), every Solana settle
/// must carry the signatures of two operators, and the independent chain check must find no violation.
/// </summary>
internal static partial class ClusterRunner
{
    private const int IntentsPerEpoch = 4;

    /// <summary>Each node's output, beside its node.json.</summary>
    private const string NodeLogFile = "node.log";

    /// <summary>Epochs after the last one with traffic in which what was opened must settle.</summary>
    private const int SettleEpochs = 6;

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

        DevnetLog.Line(log, "cluster: starting RabbitMQ, anvil and the Solana dev node (2-of-3 escrows on both, signers the three operators)");
        await using var broker = await LocalRabbitMqBroker.StartAsync(cancellationToken).ConfigureAwait(false);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        await using var devnet = await ClusterChainSetup.StartAsync(log, time, cancellationToken).ConfigureAwait(false);
        var apiPorts = ClusterNodeConfigs.OperatorIds.Select(_ => ChildProcess.FreePort()).ToArray();
        var configs = ClusterNodeConfigs.Write(
            ClusterChainSetup.Describe(devnet, broker.AmqpUri),
            [.. apiPorts.Select(p => new ClusterNodeSeat(StoreConnectionString: null, string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{p}")))],
            directory);
        var opened = configs.Select(_ => new EpochWatch()).ToArray();
        var nodes = new List<ChildProcess>();
        var nodeLogs = new List<StreamWriter>();
        try
        {
            for (var i = 0; i < configs.Count; i++)
            {
                var watch = opened[i];
                var nodeLog = new StreamWriter(Path.Combine(Path.GetDirectoryName(configs[i])!, NodeLogFile)) { AutoFlush = true };
                nodeLogs.Add(nodeLog);
                nodes.Add(StartNode(configs[i], line =>
                {
                    lock (nodeLog)
                    {
                        // A closed writer has no stream: a line after the run ended is dropped.
                        if (nodeLog.BaseStream is not null)
                        {
                            nodeLog.WriteLine(line);
                        }
                    }

                    watch.Line(line);
                }));
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"{ClusterNodeConfigs.OperatorId(i)}: {configs[i]}  api http://127.0.0.1:{apiPorts[i]}/  log {NodeLogFile}"));
            }

            var traffic = await ClusterChainSetup.TrafficAsync(devnet, transfersOnly: false, time, cancellationToken).ConfigureAwait(false);
            for (var epoch = 1UL; epoch <= epochs; epoch++)
            {
                await traffic.OpenAsync(IntentsPerEpoch, cancellationToken).ConfigureAwait(false);
                await Task.WhenAll(opened.Select(w => w.OpenedAsync(epoch + 1))).WaitAsync(EpochTimeout, time, cancellationToken).ConfigureAwait(false);
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"epoch {epoch} done on every operator"));
            }

            var fates = await SettledFatesAsync(devnet, traffic.Opened, opened, epochs, time, cancellationToken).ConfigureAwait(false);
            var agreed = await CompareRootsAsync(http, apiPorts, epochs, log, cancellationToken).ConfigureAwait(false);
            DevnetLog.Line(log, "fate of every intent opened, read from both chains:");
            fates.WriteTo(log);
            var unsettled = fates.StillOpen.Count(o => o.Expected != ExpectedFate.Deferred);
            if (unsettled > 0)
            {
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"{unsettled} intent(s) that should have filled or been refunded are still open {SettleEpochs} epochs after the traffic stopped"));
            }

            var coSigned = await CheckSolanaSettlesAsync(devnet, log, cancellationToken).ConfigureAwait(false);
            var configuration = NodeOptionsLoader.Load(configs[0]);
            var history = await ChainHistoryReading.ReadAsync(configuration, drained: false, http, NullLoggerFactory.Instance, time, cancellationToken).ConfigureAwait(false);
            var check = ChainChecker.Check(history);
            DevnetLog.Line(log, "both escrows' histories, checked from the chains alone:");
            check.WriteTo(log);
            return agreed && fates.Passed && unsettled == 0 && coSigned && check.Passed;
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var nodeLog in nodeLogs)
            {
                lock (nodeLog)
                {
                    nodeLog.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The intents' fates once every one that should fill or be refunded is (epoch by epoch, at most
    /// <see cref="SettleEpochs"/> more), or as they stand after that.
    /// </summary>
    private static async Task<FateCheckResult> SettledFatesAsync(LocalDevnet devnet, IReadOnlyList<OpenedIntent> intents, EpochWatch[] opened, ulong epochs, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var epoch = epochs + 2; ; epoch++)
        {
            var fates = await IntentFateCheck.RunAsync(intents, DevnetEscrowStates.Of(devnet), DevnetEscrowStates.Balances(devnet), reported: null, balancesBefore: null, cancellationToken).ConfigureAwait(false);
            if (fates.StillOpen.All(o => o.Expected == ExpectedFate.Deferred) || epoch > epochs + 1 + SettleEpochs)
            {
                return fates;
            }

            await Task.WhenAll(opened.Select(w => w.OpenedAsync(epoch))).WaitAsync(EpochTimeout, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every Solana settle must carry the signatures of a threshold of operators; false when one does not, or when none landed.</summary>
    private static async Task<bool> CheckSolanaSettlesAsync(LocalDevnet devnet, TextWriter log, CancellationToken cancellationToken)
    {
        var settles = await ClusterSolanaSettles.ReadAsync(devnet.Solana, ClusterNodeConfigs.OperatorIds.Count, cancellationToken).ConfigureAwait(false);
        var belowThreshold = settles.Where(s => s.Signers.Count < ClusterNodeConfigs.Threshold).ToArray();
        var submitters = settles.Where(s => s.Submitter is not null).Select(s => s.Submitter!.Value).Distinct().Order().Select(ClusterNodeConfigs.OperatorId);
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"solana: {settles.Count} settle transactions, {settles.Count - belowThreshold.Length} signed by {ClusterNodeConfigs.Threshold} or more operators (co-signed over the bus), landed by {string.Join(", ", submitters)}"));
        foreach (var settle in belowThreshold)
        {
            DevnetLog.Line(log, "  BELOW THRESHOLD " + settle);
        }

        return settles.Count > 0 && belowThreshold.Length == 0;
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
