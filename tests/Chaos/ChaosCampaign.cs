using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Chaos;

/// <summary>
/// What one campaign runs: the seed draws the faults and the traffic; the duration bounds the faults.
/// <c>BreakOnPurpose</c> (Debug builds): a sabotage the node is started with (<c>skip-payouts</c>), to show the checkers
/// catch it. <c>PlanOnly</c>: print the plan and stop.
/// </summary>
internal sealed record ChaosSettings(ulong Seed, TimeSpan Duration, int IntentsPerSecond, string DataDirectory, TimeSpan DrainTimeout, string? BreakOnPurpose = null, bool PlanOnly = false, int Nodes = 1);

/// <summary>
/// One fault campaign: both local chains (anvil, the Solana dev node), a real RabbitMQ and Redis, a fault-injecting
/// RPC proxy in front of each chain, and one node or the three operators of a 2-of-3 cluster as real child processes
/// (`relayer run --config`, <see cref="ChaosNodes"/>) on them; a traffic
/// generator opens intents both ways on the chains directly, while the faults of <see cref="FaultPlan"/> are injected
/// at their times. Then the faults stop, every server is up, the traffic stops, the node drains, and every opened
/// intent's fate is read from the chains (never from the node's store).
/// </summary>
internal sealed class ChaosCampaign(ChaosSettings settings, TextWriter log)
{
    private const ulong PoolLiquidity = 1_000_000_000_000; // 1M USDC per chain: liquidity is not what this tests

    /// <summary>The EVM watcher's confirmation depth in the campaign; reorganisations stay shallower (the window).</summary>
    public const int ConfirmationDepth = 4;

    /// <summary>How long a restarted operator has to wait out its lease and run its next epoch before it counts as down.</summary>
    private static readonly TimeSpan NodeComebackTimeout = TimeSpan.FromSeconds(90);

    /// <summary>The one reorganisation deeper than the window, injected after the planned faults: three windows deep.</summary>
    private const int DeepReorgDepth = 3 * ConfirmationDepth;

    /// <summary>What the node's Critical line says when a block it treated as final was reorganised out.</summary>
    private const string DeepReorgMarker = "REORGANISATION DEEPER THAN THE CONFIRMATION DEPTH";

    private static readonly string[] CrashPoints = ["after-close", "after-clear", "between-chunks", "chunk-sent-unrecorded"];

    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Dictionary<FaultKind, int> _injected = [];
    private readonly Dictionary<int, int> _faultsOnNode = [];
    private readonly long _started = TimeProvider.System.GetTimestamp();
    private ChaosNodes? _nodes;
    private int _crashPointsReached;
    private string? _deepReorgReport;
    private int _nodeFaultsSkipped;

    public async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var plan = FaultPlan.Create(settings.Seed, settings.Duration);
        Line($"chaos: seed {settings.Seed}, {settings.Duration.TotalMinutes:0.##} min of faults, {plan.Count} planned, traffic {settings.IntentsPerSecond} intents/s");
        foreach (var fault in plan)
        {
            Line("  plan " + fault + (settings.Nodes > 1 && ChaosNodes.TargetsOneNode(fault.Kind) ? " on " + ChaosNodes.Name(ChaosNodes.TargetOf(fault, settings.Nodes), settings.Nodes) : string.Empty));
        }

        var unplanned = Enum.GetValues<FaultKind>().Except(plan.Select(f => f.Kind)).ToArray();
        if (unplanned.Length > 0)
        {
            Line($"  (this plan injects no {string.Join(", ", unplanned)}: give it more minutes)");
        }

        if (settings.PlanOnly)
        {
            return unplanned.Length == 0;
        }

        Directory.CreateDirectory(settings.DataDirectory);
        // Several nodes: the cluster's chains, whose escrows list the three operators and whose operators have gas and SOL.
        await using var devnet = settings.Nodes == 1 ? await LocalDevnet.StartAsync(log, _time, cancellationToken) : await ClusterChainSetup.StartAsync(log, _time, cancellationToken);
        await devnet.Evm.FundPoolAsync(PoolLiquidity, cancellationToken);
        await devnet.Solana.FundPoolAsync(PoolLiquidity, cancellationToken);
        await using var broker = await LocalRabbitMqBroker.StartAsync(cancellationToken);
        var seed = unchecked((int)settings.Seed);
        await using var evmProxy = new FaultInjectingProxy(devnet.Evm.Url, seed, faultRate: 0, slowDelay: TimeSpan.FromSeconds(4));
        await using var solanaProxy = new FaultInjectingProxy(devnet.Solana.Url, seed + 1, faultRate: 0, slowDelay: TimeSpan.FromSeconds(4));
        using var anvil = new AnvilControl(devnet.Evm.Url);

        var traffic = await TrafficGenerator.CreateAsync(
            devnet,
            new TrafficOptions { IntentsPerSecond = settings.IntentsPerSecond, Seed = settings.Seed, SettlementMarginSeconds = 600 },
            _time,
            cancellationToken);
        var nodes = _nodes = await ChaosNodes.CreateAsync(devnet, settings.Nodes, broker.AmqpUri, evmProxy.Url, solanaProxy.Url, settings.DataDirectory, settings.BreakOnPurpose);
        for (var i = 0; i < nodes.Count; i++)
        {
            Line($"chaos: {(nodes.Count == 1 ? "node" : nodes.Name(i))} config {nodes.Config(i)} (RPC through the fault proxies {evmProxy.Url} and {solanaProxy.Url}; Redis {nodes.Store(i).ConnectionString}; RabbitMQ {broker.AmqpUri})");
        }

        nodes.StartAll();
        try
        {
            using var trafficStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var miningStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var mining = anvil.MineAsync(TimeSpan.FromSeconds(1), miningStop.Token); // blocks keep coming after the traffic stops
            var trafficRun = Task.WhenAll(KeepTrafficAsync(traffic, trafficStop.Token), KeepPayerFundedAsync(devnet, nodes.SolanaPayers, trafficStop.Token));
            try
            {
                foreach (var fault in plan)
                {
                    var wait = fault.At - Elapsed;
                    if (wait > TimeSpan.Zero)
                    {
                        await Task.Delay(wait, _time, cancellationToken);
                    }

                    await EnsureNodeRunningAsync();
                    if (!await WaitAllNodesActiveAsync(fault, cancellationToken))
                    {
                        continue;
                    }

                    await InjectAsync(fault, broker, evmProxy, solanaProxy, anvil, cancellationToken);
                    _injected[fault.Kind] = _injected.GetValueOrDefault(fault.Kind) + 1;
                    if (ChaosNodes.TargetsOneNode(fault.Kind))
                    {
                        _faultsOnNode[ChaosNodes.TargetOf(fault, Nodes.Count)] = _faultsOnNode.GetValueOrDefault(ChaosNodes.TargetOf(fault, Nodes.Count)) + 1;
                    }
                }

                var rest = settings.Duration - Elapsed;
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, _time, cancellationToken);
                }

                await EnsureNodeRunningAsync();
                await DeepReorgAsync(anvil, cancellationToken);
            }
            finally
            {
                await trafficStop.CancelAsync();
                try
                {
                    await trafficRun;
                }
                catch (OperationCanceledException) when (trafficStop.IsCancellationRequested)
                {
                    // Stopped on purpose.
                }
            }

            await EnsureNodeRunningAsync();
            Line($"chaos: faults over; {traffic.Opened.Count} intents opened; draining (at most {settings.DrainTimeout.TotalMinutes:0.#} min)");
            var drained = await DrainAsync(devnet, [.. traffic.Opened.DistinctBy(i => i.IntentId)], cancellationToken);

            // Blocks keep coming while the checks read (the EVM reader reads below the confirmation depth, so the
            // last payouts must be buried first).
            await Task.Delay(TimeSpan.FromSeconds(ConfirmationDepth + 2), _time, cancellationToken);

            // The checks read quiet chains: a node left running goes on refunding the deferred intents whose deadline
            // passes, so the fate check and the chain check would count different refunds, and a check reading while
            // refunds land sees a history older than the balances beside it.
            await nodes.TerminateAllAsync(TimeSpan.FromSeconds(30));

            // An open the generator saw fail (not mined in time) and then mined after all can be listed twice: the
            // chain has one deposit, so the check takes the first listing.
            var opened = traffic.Opened.DistinctBy(i => i.IntentId).ToArray();
            if (opened.Length < traffic.Opened.Count)
            {
                Line($"chaos: the traffic listed {traffic.Opened.Count - opened.Length} intent(s) twice (an open reported lost that was mined later); each is checked once");
            }

            var result = await IntentFateCheck.RunAsync(opened, DevnetEscrowStates.Of(devnet), DevnetEscrowStates.Balances(devnet), reported: null, balancesBefore: null, cancellationToken);

            // The independent check: every escrow's whole history read from its chain alone (logs, events, account
            // state), not from the traffic generator's list nor the node's store.
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var history = await ChainHistoryReading.ReadAsync(NodeOptionsLoader.Load(nodes.Config(0)), drained, http, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance, _time, cancellationToken);
            var chainCheck = ChainChecker.Check(history);
            await miningStop.CancelAsync();
            try
            {
                await mining;
            }
            catch (OperationCanceledException) when (miningStop.IsCancellationRequested)
            {
                // Stopped on purpose.
            }

            // Several operators: each one's recorded root per epoch, read from its own store, must be the others'.
            var roots = nodes.Count == 1 ? null : await nodes.CompareRootsAsync(cancellationToken);
            return Report(result, chainCheck, drained, evmProxy, solanaProxy, roots);
        }
        finally
        {
            await nodes.DisposeAsync();
        }
    }

    private TimeSpan Elapsed => _time.GetElapsedTime(_started);

    private ChaosNodes Nodes => _nodes ?? throw new InvalidOperationException("The nodes are not set up yet.");

    private async Task InjectAsync(PlannedFault fault, LocalRabbitMqBroker broker, FaultInjectingProxy evmProxy, FaultInjectingProxy solanaProxy, AnvilControl anvil, CancellationToken cancellationToken)
    {
        // A fault on one node hits the one the seed picks (the only one with --nodes 1).
        var target = ChaosNodes.TargetOf(fault, Nodes.Count);
        Line($"[{Elapsed.TotalSeconds,6:0.0} s] fault {fault.Kind}{(Nodes.Count > 1 && ChaosNodes.TargetsOneNode(fault.Kind) ? " on " + Nodes.Name(target) : string.Empty)}");
        switch (fault.Kind)
        {
            case FaultKind.NodeKill:
                await Nodes.KillAsync(target);
                await Task.Delay(fault.Length, _time, cancellationToken);
                Nodes.Start(target);
                break;
            case FaultKind.NodeKillAtStep:
                var point = CrashPoints[fault.Choice % CrashPoints.Length];
                await Nodes.RestartAsync(target, crashAt: point);
                // The restarted node first waits out the killed one's lease (Node:LeaseTimeToLive, 15 s) as a standby,
                // then needs an epoch to reach the step: give it a minute.
                var armed = Nodes.Process(target);
                var reached = await Task.WhenAny(armed.Exited, Task.Delay(fault.Length + TimeSpan.FromSeconds(60), _time, cancellationToken)) == armed.Exited;
                _crashPointsReached += reached ? 1 : 0;
                Line($"           crash point {point} {(reached ? "reached: the node killed itself" : "not reached in time: killed")}");
                await Nodes.RestartAsync(target);
                break;
            case FaultKind.BrokerRestart:
                await broker.RestartAsync(cancellationToken);
                break;
            case FaultKind.StoreRestart:
                await Nodes.Store(target).KillAsync();
                await Task.Delay(fault.Length, _time, cancellationToken);
                await Nodes.Store(target).RestartAsync();
                break;
            case FaultKind.RpcFaults:
                var proxy = fault.Choice % 2 == 0 ? evmProxy : solanaProxy;
                var faultedBefore = proxy.Faults;
                proxy.FaultRate = 0.3;
                await Task.Delay(fault.Length + TimeSpan.FromSeconds(5), _time, cancellationToken);
                proxy.FaultRate = 0;
                Line($"           {(proxy == evmProxy ? "EVM" : "Solana")} RPC: {proxy.Faults - faultedBefore} requests faulted in the window; since the start {proxy.Stats}");
                break;
            case FaultKind.BlockhashStorm:
                solanaProxy.RewriteResponse = BlockhashNotFound;
                await Task.Delay(fault.Length, _time, cancellationToken);
                solanaProxy.RewriteResponse = null;
                break;
            case FaultKind.ClockSkew:
                var seconds = (fault.Choice % 2 == 0 ? 1 : -1) * (30 + (fault.Choice % 91));
                await Nodes.RestartAsync(target, environment: new Dictionary<string, string> { [SkewedClock.VariableName] = seconds.ToString(CultureInfo.InvariantCulture) });
                Line($"           {(Nodes.Count == 1 ? "node" : Nodes.Name(target))} clock shifted by {seconds} s");
                await Task.Delay(fault.Length, _time, cancellationToken);
                await Nodes.RestartAsync(target);
                break;
            case FaultKind.EvmReorg:
                var depth = 1 + (fault.Choice % (ConfirmationDepth - 1));
                var moved = await anvil.ReorganiseAsync(depth, cancellationToken);
                Line($"           the newest {depth} EVM blocks replaced; {moved} transactions included again under new block hashes");
                break;
            default:
                throw new InvalidOperationException($"Fault kind {fault.Kind} has no injection.");
        }
    }

    /// <summary>
    /// One reorganisation deeper than the confirmation window, while the traffic still runs: anvil's newest
    /// <see cref="DeepReorgDepth"/> blocks replaced by new ones holding the same transactions (blocks the node had
    /// treated as final change hash). The node must say so loudly and stop the chain (its Critical line is awaited, at
    /// most a minute); then the harness plays the operator who checked that the same deposits were included again:
    /// it stops the node, clears the stop from the EVM watcher's checkpoint and starts the node again, which rescans
    /// from the fork and settles as before. So the checks after it expect 0 violations like any other fault.
    /// </summary>
    private async Task DeepReorgAsync(AnvilControl anvil, CancellationToken cancellationToken)
    {
        // Active nodes whose watchers are caught up (each opened an epoch), so the reorganised blocks include processed ones.
        await Task.WhenAll(Enumerable.Range(0, Nodes.Count).Select(i => Nodes.Process(i).NextOpenedAfterNowAsync(TimeSpan.FromSeconds(120))));
        var reported = Enumerable.Range(0, Nodes.Count).Select(i => Nodes.Process(i).LineContainingAsync(DeepReorgMarker, TimeSpan.FromSeconds(60))).ToArray();
        var moved = await anvil.ReorganiseAsync(DeepReorgDepth, cancellationToken);
        Line($"[{Elapsed.TotalSeconds,6:0.0} s] deep reorg: the newest {DeepReorgDepth} EVM blocks replaced (confirmation depth {ConfirmationDepth}); {moved} transactions included again under new block hashes");
        var reports = new List<string>();
        for (var i = 0; i < reported.Length; i++)
        {
            try
            {
                var report = (await reported[i]).Trim();
                reports.Add(report);
                Line($"           {(Nodes.Count == 1 ? "the node" : Nodes.Name(i))} reported it: {report}");
            }
            catch (TimeoutException e)
            {
                Line($"           {(Nodes.Count == 1 ? "the node" : Nodes.Name(i))}: {e.Message}");
            }
        }

        // Every operator watches the chain, so every one must have said it.
        _deepReorgReport = reports.Count == Nodes.Count ? reports[0] : null;

        // The node logs the reorganisation before its checkpoint records the stop (that is saved once the retractions
        // are handed to the intake): stopped in between, it would find the reorganisation again after the restart and
        // stop again, after the operator had cleared nothing. So the operator first sees the stop in every checkpoint.
        await WaitForStopsRecordedAsync(TimeSpan.FromSeconds(60), cancellationToken);

        // The operator stops the nodes at once: retractions still queued are consumed after the restart, beside the
        // rescan's new observation of the same re-included deposit, in any order. Each report is numbered and names
        // its block, so no order leaves the intent Retracted while its deposit is back on the chain (a CI run of the
        // short campaign lost one intent that way before).
        await Nodes.TerminateAllAsync(TimeSpan.FromSeconds(30));
        foreach (var checkpoint in Checkpoints())
        {
            if (JsonNode.Parse(await File.ReadAllTextAsync(checkpoint, cancellationToken)) is JsonObject state && state["HaltedBecause"] is not null)
            {
                state["HaltedBecause"] = null;
                await File.WriteAllTextAsync(checkpoint, state.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }), cancellationToken);
                Line($"           operator: the same deposits are on the new fork; cleared the stop in {Path.GetRelativePath(settings.DataDirectory, checkpoint)}");
            }
        }

        Nodes.StartAll();
    }

    private IEnumerable<string> Checkpoints() =>
        Directory.EnumerateFiles(settings.DataDirectory, "*.json", SearchOption.AllDirectories).Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "checkpoints");

    /// <summary>Waits (at most <paramref name="timeout"/>, looking every quarter second) until every node's checkpoint records a stop.</summary>
    private async Task WaitForStopsRecordedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        while (true)
        {
            var stopped = 0;
            foreach (var checkpoint in Checkpoints())
            {
                try
                {
                    stopped += JsonNode.Parse(await File.ReadAllTextAsync(checkpoint, cancellationToken)) is JsonObject { } state && state["HaltedBecause"] is not null ? 1 : 0;
                }
                catch (Exception e) when (e is IOException or System.Text.Json.JsonException)
                {
                    // Being written: read again next time.
                }
            }

            if (stopped >= Nodes.Count)
            {
                return;
            }

            if (_time.GetElapsedTime(started) > timeout)
            {
                Line($"           operator: only {stopped} of {Nodes.Count} checkpoints record the stop after {timeout.TotalSeconds:0} s; going on");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), _time, cancellationToken);
        }
    }

    /// <summary>A JSON-RPC error for every sendTransaction, as a node whose blockhashes all expired would answer (the upstream already has the transaction).</summary>
    private static byte[] BlockhashNotFound(byte[] request, byte[] response)
    {
        var body = JsonNode.Parse(request);
        if (body is not JsonObject call || call["method"]?.GetValue<string>() != "sendTransaction")
        {
            return response;
        }

        var error = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = call["id"]?.DeepClone(),
            ["error"] = new JsonObject { ["code"] = -32002, ["message"] = "Transaction simulation failed: Blockhash not found" },
        };
        return Encoding.UTF8.GetBytes(error.ToJsonString());
    }

    /// <summary>A node that exited on its own (not killed by a fault) is reported and started again, as a supervisor would.</summary>
    private async Task EnsureNodeRunningAsync()
    {
        foreach (var report in Nodes.RestartExited())
        {
            Line("           " + report);
        }

        await Task.CompletedTask;
    }

    /// <summary>
    /// Several operators: before a fault that takes a node down, every node runs epochs again (a restarted one first
    /// waits out its killed process's lease, then runs to its next epoch), so that never two of the three are down at
    /// once and 2-of-3 keeps settling. False (the fault is skipped and counted) when another node than the fault's
    /// does not come back within <see cref="NodeComebackTimeout"/>: it is down, and the fault would take a second one.
    /// </summary>
    private async Task<bool> WaitAllNodesActiveAsync(PlannedFault fault, CancellationToken cancellationToken)
    {
        if (Nodes.Count == 1 || !ChaosNodes.TargetsOneNode(fault.Kind))
        {
            return true;
        }

        var waitedFrom = Elapsed;
        var target = Nodes.Name(ChaosNodes.TargetOf(fault, Nodes.Count));
        var behind = await Nodes.WaitAllActiveAsync(NodeComebackTimeout, _time, cancellationToken);
        if (behind.Any(name => name != target))
        {
            _nodeFaultsSkipped++;
            Line($"[{Elapsed.TotalSeconds,6:0.0} s] fault {fault.Kind} on {target} SKIPPED: {string.Join(", ", behind)} ran no epoch within {NodeComebackTimeout.TotalSeconds:0} s of its last start (down; a fault on {target} would take a second operator down)");
            return false;
        }

        if (Elapsed - waitedFrom > TimeSpan.FromSeconds(1))
        {
            Line($"[{Elapsed.TotalSeconds,6:0.0} s] {(behind.Count == 0 ? "every operator runs epochs" : "every operator but " + target + " runs epochs")} (waited {(Elapsed - waitedFrom).TotalSeconds:0} s)");
        }

        return true;
    }

    /// <summary>
    /// Waits until every intent whose end is decided (filled or refunded) has ended on the chains, or the drain time
    /// ran out; false in that case (the fate check still runs and lists what is open).
    /// </summary>
    private async Task<bool> DrainAsync(LocalDevnet devnet, IReadOnlyList<OpenedIntent> opened, CancellationToken cancellationToken)
    {
        var escrows = DevnetEscrowStates.Of(devnet).ToDictionary(e => e.ChainId);
        var pending = opened.Where(i => i.Expected != ExpectedFate.Deferred).ToList();
        var deadline = Elapsed + settings.DrainTimeout;
        var lastProgress = Elapsed;
        while (pending.Count > 0 && Elapsed < deadline)
        {
            await EnsureNodeRunningAsync();
            var ended = new List<OpenedIntent>();
            foreach (var intent in pending)
            {
                // Ended: refunded at its origin, or released there and paid on its destination (a Release is final
                // before its payout is sent, so "released" alone is the middle of a settlement, not its end).
                try
                {
                    var state = await escrows[intent.Origin].IntentStateAsync(intent.IntentId, cancellationToken);
                    if (state == EscrowIntentState.Refunded
                        || (state == EscrowIntentState.Released && await escrows[intent.Destination].IsPaidAsync(intent.IntentId, cancellationToken)))
                    {
                        ended.Add(intent);
                    }
                }
                catch (Exception ex) when (ex is DiscreteExec.Chains.Rpc.ChainRpcException or DiscreteExec.Adapters.Evm.Abi.AbiDecodingException)
                {
                    // A read the chain answered badly (anvil once answered an escrow eth_call with no bytes right after
                    // the deep reorg, which ended a 10-minute campaign): not ended yet, read again in the next round.
                    Line($"           drain: reading intent {intent.IntentId} failed ({ex.Message}); read again");
                    break;
                }
            }

            pending.RemoveAll(ended.Contains);
            if (pending.Count > 0 && Elapsed - lastProgress > TimeSpan.FromSeconds(15))
            {
                lastProgress = Elapsed;
                Line($"[{Elapsed.TotalSeconds,6:0.0} s] draining: {pending.Count} intents not ended yet");
            }

            if (pending.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), _time, cancellationToken);
            }
        }

        Line(pending.Count == 0
            ? $"chaos: drained in {Elapsed.TotalSeconds:0} s since the start"
            : $"chaos: {pending.Count} intents not ended after the drain, e.g. {pending[0].IntentId} (expected {pending[0].Expected})");
        return pending.Count == 0;
    }

    private bool Report(FateCheckResult result, ChainCheckReport chainCheck, bool drained, FaultInjectingProxy evmProxy, FaultInjectingProxy solanaProxy, OperatorRootComparison? roots)
    {
        Line(string.Empty);
        Line($"FAULTS INJECTED (seed {settings.Seed})");
        foreach (var kind in Enum.GetValues<FaultKind>())
        {
            Line($"  {kind,-16} {_injected.GetValueOrDefault(kind),4}");
        }

        Line($"  node starts      {Nodes.Starts,4}   (unexpected exits {Nodes.UnexpectedExits}; crash points reached {_crashPointsReached} of {_injected.GetValueOrDefault(FaultKind.NodeKillAtStep)})");
        if (Nodes.Count > 1)
        {
            Line($"  faults per node  {string.Join(", ", Enumerable.Range(0, Nodes.Count).Select(i => $"{Nodes.Name(i)} {_faultsOnNode.GetValueOrDefault(i)}"))}   (node faults skipped because another operator was down: {_nodeFaultsSkipped})");
        }

        Line($"  RPC requests faulted: EVM {evmProxy.Faults}, Solana {solanaProxy.Faults} (truncated or cut bodies: EVM {Cut(evmProxy)}, Solana {Cut(solanaProxy)})");
        Line($"  deep EVM reorg    1   ({(_deepReorgReport is null ? "NOT reported by every node" : "reported by every node, Critical; the operator cleared the stop")})");
        Line(string.Empty);
        Line("INTENTS OPENED BY THE TRAFFIC (each read back from its escrows)");
        Line($"  opened {result.Total}, filled {result.Filled}, refunded {result.Refunded}, still open {result.StillOpen.Count}");
        Line($"  violations {result.Violations.Count}");
        foreach (var violation in result.Violations)
        {
            Line("  VIOLATION " + violation);
        }

        Line(string.Empty);
        Line("EVERY ESCROW'S HISTORY (read from the chains alone: relayer check)");
        chainCheck.WriteTo(log);

        if (roots is not null)
        {
            Line(string.Empty);
            Line("BATCH ROOTS EACH OPERATOR SETTLED (its own store's epoch record, once every release of that root applied)");
            roots.WriteTo(log);
        }

        var missing = Enum.GetValues<FaultKind>().Where(k => _injected.GetValueOrDefault(k) == 0).ToArray();
        if (missing.Length > 0)
        {
            Line($"  (campaign too short to inject: {string.Join(", ", missing)})");
        }

        var vacuous = result.Filled == 0 || result.Refunded == 0;
        if (vacuous)
        {
            Line("  FAILED: nothing was filled or nothing refunded, so the campaign proves nothing");
        }

        if (!drained)
        {
            Line("  FAILED: intents whose end was decided did not end on the chains within the drain time");
        }

        if (_deepReorgReport is null)
        {
            Line("  FAILED: not every node reported the reorganisation deeper than its confirmation depth");
        }

        var passed = result.Passed && chainCheck.Passed && drained && !vacuous && roots?.Passed != false && _deepReorgReport is not null;
        Line(passed ? "chaos: PASSED (0 violations)" : "chaos: FAILED");
        return passed;
    }

    /// <summary>
    /// The traffic goes on through the faults: an open the chain lost (a reorganisation that took its block before the
    /// harness re-included it, say) stops one batch of the generator, which then reads its nonces again and goes on; so
    /// does a batch the chain refuses (anvil answered "nonce too low" right after the deep reorg, which ended a 10-minute
    /// campaign). A lost open never made a deposit, so no intent is missing from the checks.
    /// </summary>
    private async Task KeepTrafficAsync(TrafficGenerator traffic, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await traffic.RunAsync(total: null, cancellationToken);
            }
            catch (Exception ex) when (ex is DevnetException or DiscreteExec.Chains.Rpc.ChainRpcException && !cancellationToken.IsCancellationRequested)
            {
                Line($"           traffic: {ex.Message} (the generator goes on)");
            }
        }
    }

    private static async Task KeepPayerFundedAsync(LocalDevnet devnet, IReadOnlyList<Bytes32> operatorPayers, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), TimeProvider.System);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await devnet.Solana.TopUpPayerAsync(DevnetNodeRunner.SolanaPayerFloorLamports, cancellationToken);
            foreach (var payer in operatorPayers)
            {
                await devnet.Solana.TopUpAsync(payer, DevnetNodeRunner.SolanaPayerFloorLamports, cancellationToken);
            }
        }
    }

    private static int Cut(FaultInjectingProxy proxy) =>
        proxy.Counts.GetValueOrDefault(ProxyFault.TruncatedBody) + proxy.Counts.GetValueOrDefault(ProxyFault.CutMidBody);

    private void Line(string text) => DevnetLog.Line(log, text);
}
