using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Chaos;

/// <summary>
/// The node processes a campaign runs and restarts like a supervisor would: one node (<c>--nodes 1</c>: the devnet's
/// node.json on one Redis) or the three operators of the 2-of-3 cluster (<c>--nodes 3</c>: <see cref="ClusterNodeConfigs"/>,
/// each operator with its own Redis, keys, aggregator queue and <c>operator-{i}/</c> directory, the broker shared).
/// Every node talks to the chains only through the fault proxies. A fault that hits one node picks it from the seed
/// (<see cref="TargetOf"/>); the campaign injects one fault at a time, and with several nodes it first waits until
/// every node runs epochs again (<see cref="WaitAllActiveAsync"/>), so never more than one operator is down.
/// </summary>
internal sealed class ChaosNodes : IAsyncDisposable
{
    /// <summary>Each node's output over all its starts, beside its node.json.</summary>
    private const string LogFile = "node.log";

    private readonly Seat[] _seats;
    private readonly string? _breakOnPurpose;

    private ChaosNodes(Seat[] seats, string? breakOnPurpose)
    {
        _seats = seats;
        _breakOnPurpose = breakOnPurpose;
    }

    public int Count => _seats.Length;

    /// <summary>Process starts so far, over all nodes.</summary>
    public int Starts { get; private set; }

    /// <summary>Nodes found exited without a fault that killed them.</summary>
    public int UnexpectedExits { get; private set; }

    /// <summary>The operators' Solana fee payers, which the campaign keeps funded (one node pays with the devnet's admin key).</summary>
    public IReadOnlyList<Bytes32> SolanaPayers => Count == 1 ? [] : [.. Enumerable.Range(0, Count).Select(ClusterNodeConfigs.SolanaPayer)];

    /// <summary>Whether a fault of <paramref name="kind"/> hits one node (chosen by <see cref="TargetOf"/>) rather than a shared part.</summary>
    public static bool TargetsOneNode(FaultKind kind) => kind is FaultKind.NodeKill or FaultKind.NodeKillAtStep or FaultKind.StoreRestart or FaultKind.ClockSkew;

    /// <summary>The node a fault hits, drawn from the fault's seeded choice (digits its other uses do not read).</summary>
    public static int TargetOf(PlannedFault fault, int count) => fault.Choice / 1000 % count;

    public static string Name(int node, int count) => count == 1 ? "the node" : ClusterNodeConfigs.OperatorId(node);

    /// <summary>
    /// Starts one Redis per node and writes every node's config under <paramref name="dataDirectory"/>; the nodes
    /// themselves start with <see cref="StartAll"/>.
    /// </summary>
    public static async Task<ChaosNodes> CreateAsync(LocalDevnet devnet, int count, Uri rabbitMq, Uri evmRpc, Uri solanaRpc, string dataDirectory, string? breakOnPurpose)
    {
        var stores = new List<LocalRedisServer>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                stores.Add(await LocalRedisServer.StartAsync());
            }

            IReadOnlyList<string> configs = count == 1
                ? [DevnetNodeConfig.Write(DevnetChains.From(devnet), dataDirectory)]
                : ClusterNodeConfigs.Write(
                    ClusterChainSetup.Describe(devnet, rabbitMq) with { EvmRpcUrl = evmRpc, SolanaRpcUrl = solanaRpc },
                    [.. stores.Select(s => new ClusterNodeSeat(s.ConnectionString, "http://127.0.0.1:0"))],
                    dataDirectory);
            foreach (var (config, store) in configs.Zip(stores))
            {
                Tune(config, evmRpc, solanaRpc, count == 1 ? store.ConnectionString : null, rabbitMq);
            }

            return new ChaosNodes([.. configs.Zip(stores, (config, store) => new Seat(config, store))], breakOnPurpose);
        }
        catch
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }

            throw;
        }
    }

    public string Config(int node) => _seats[node].Config;

    public LocalRedisServer Store(int node) => _seats[node].Store;

    public NodeProcess Process(int node) => _seats[node].Process ?? throw new InvalidOperationException($"{Name(node)} was never started.");

    public string Name(int node) => Name(node, Count);

    public void StartAll()
    {
        for (var i = 0; i < Count; i++)
        {
            Start(i);
        }
    }

    /// <summary>Starts node <paramref name="node"/> (its last process, if any, has exited); <paramref name="crashAt"/> arms a crash point.</summary>
    public void Start(int node, string? crashAt = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var seat = _seats[node];
        seat.Retire();
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        if (_breakOnPurpose is { } sabotage)
        {
            variables[DiscreteExec.Relayer.Node.Epochs.BreakOnPurpose.VariableName] = sabotage;
        }

        seat.LiveLog.WriteLine($"--- start {Starts + 1} of the campaign ---");
        seat.Process = NodeProcess.Start(seat.Config, crashAt, variables, seat.WriteLive);
        Starts++;
    }

    /// <summary>SIGKILL of node <paramref name="node"/>; it stays down until started again.</summary>
    public Task KillAsync(int node) => Process(node).KillAsync();

    public async Task RestartAsync(int node, string? crashAt = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        await KillAsync(node);
        Start(node, crashAt, environment);
    }

    /// <summary>SIGTERM to every node still running, each given <paramref name="grace"/> to stop; they stay down until started again.</summary>
    public async Task TerminateAllAsync(TimeSpan grace)
    {
        foreach (var seat in _seats)
        {
            if (seat.Process is { HasExited: false } process)
            {
                await process.TerminateAsync(grace);
            }
        }
    }

    /// <summary>Starts again every node that exited on its own (not killed by a fault); returns what each said last.</summary>
    public IReadOnlyList<string> RestartExited()
    {
        var reports = new List<string>();
        for (var i = 0; i < Count; i++)
        {
            if (_seats[i].Process is { HasExited: true } process)
            {
                UnexpectedExits++;
                reports.Add($"{Name(i)} had exited on its own (exit code {process.ExitCode}); last lines:{Environment.NewLine}{Tail(process.Output, 20)}");
                Start(i);
            }
        }

        return reports;
    }

    /// <summary>
    /// Waits until every node has run an epoch since its last start (it holds its lease and is a working operator
    /// again), at most <paramref name="timeout"/>; returns the names of those that did not (exited or still waiting).
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitAllActiveAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var active = Enumerable.Range(0, Count).Select(i => Task.WhenAny(Process(i).FirstOpened, Process(i).Exited));
        try
        {
            await Task.WhenAll(active).WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Named below.
        }

        return [.. Enumerable.Range(0, Count).Where(i => !Process(i).FirstOpened.IsCompleted).Select(i => Name(i))];
    }

    /// <summary>Every operator's recorded root per epoch (from its own store), in operator order, and the epochs on which they differ.</summary>
    public async Task<OperatorRootComparison> CompareRootsAsync(CancellationToken cancellationToken)
    {
        var roots = new List<IReadOnlyDictionary<ulong, string>>();
        foreach (var seat in _seats)
        {
            roots.Add(await OperatorRoots.ReadAsync(seat.Store.ConnectionString, new StoreOptions().KeyPrefix, cancellationToken));
        }

        return OperatorRoots.Compare(roots);
    }

    /// <summary>Stops every node (SIGTERM), writes its output over all its starts beside its config, and stops its Redis.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var seat in _seats)
        {
            try
            {
                if (seat.Process is { } process)
                {
                    await process.TerminateAsync(TimeSpan.FromSeconds(30));
                }
            }
            finally
            {
                seat.Retire();
                await seat.LiveLog.DisposeAsync();
                await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(seat.Config)!, LogFile), seat.Output.ToString(), CancellationToken.None);
                await seat.Store.DisposeAsync();
            }
        }
    }

    public static string Tail(string text, int lines) => string.Join(Environment.NewLine, text.Split(Environment.NewLine).TakeLast(lines));

    /// <summary>
    /// The campaign's settings over a written node.json: RPC through the proxies, the EVM watcher at the campaign's
    /// confirmation depth, attempts that time out before the proxy's slow answers come, the epoch loop's log lines;
    /// and for a single node its Redis and the broker (a cluster's configs already name each operator's).
    /// </summary>
    private static void Tune(string path, Uri evmRpc, Uri solanaRpc, string? store, Uri rabbitMq)
    {
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        foreach (var chain in config["Chains"]!.AsArray())
        {
            var evm = chain!["Kind"]!.GetValue<string>() == nameof(ChainKind.Evm);
            if (evm)
            {
                chain["Adapter"]!["ConfirmationDepth"] = ChaosCampaign.ConfirmationDepth;
            }

            var rpc = chain["Adapter"]!["Rpc"]!.AsObject();
            rpc["Url"] = (evm ? evmRpc : solanaRpc).ToString();
            rpc["AttemptTimeout"] = "00:00:02"; // the proxy's slow answers (4 s) become timeouts
        }

        if (store is not null)
        {
            config["Store"] = new JsonObject { ["ConnectionString"] = store };
            config["Bus"] = new JsonObject { ["RabbitMq"] = rabbitMq.ToString() };
        }

        config["Logging"]!["LogLevel"]!["DiscreteExec.Relayer.Node.Epochs.EpochLoop"] = "Information";
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>One node's place: its config, its Redis, its current process and the output of those before.</summary>
    private sealed class Seat(string config, LocalRedisServer store)
    {
        private int _retired;

        public string Config { get; } = config;

        public LocalRedisServer Store { get; } = store;

        public NodeProcess? Process { get; set; }

        /// <summary>Every line of every start as it comes (<c>node.live.log</c> beside the config): kept even when the harness is killed.</summary>
        /// <summary>Writes a line of the live log; a line that comes after the log was closed (the harness ending) is dropped.</summary>
        public void WriteLive(string line)
        {
            try
            {
                LiveLog.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The campaign is over.
            }
        }

        public TextWriter LiveLog { get; } = TextWriter.Synchronized(new StreamWriter(Path.Combine(Path.GetDirectoryName(config)!, "node.live.log"), append: true) { AutoFlush = true });

        public StringBuilder Output { get; } = new();

        /// <summary>Keeps the current process's output and lets it go (it has exited or is killed with its tree).</summary>
        public void Retire()
        {
            if (Process is { } process)
            {
                Output.Append(CultureInfo.InvariantCulture, $"--- start {++_retired} ---").AppendLine().AppendLine(process.Output);
                process.Dispose();
                Process = null;
            }
        }
    }
}
