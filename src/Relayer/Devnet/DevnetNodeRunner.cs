using System.Globalization;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Api;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>What <c>relayer run --devnet</c> does besides running the node.</summary>
internal sealed record DevnetNodeSettings(string DataDirectory, ulong? Epochs, int IntentsPerSecond, ulong Seed);

/// <summary>
/// The long-running devnet: both local chains, one node with embedded defaults (in-memory bus, embedded store in the
/// data directory) and a traffic generator opening intents both ways. One line per epoch. With <c>--epochs N</c> the
/// node closes no epoch after N, the traffic stops, and every opened intent's fate is checked against the chains
/// (<c>0 lost, 0 double-paid</c> or the violations; a violation makes the exit code non-zero).
/// </summary>
internal static class DevnetNodeRunner
{
    /// <summary>Each pool's relayer liquidity on the devnet (whole USDC).</summary>
    public const ulong PoolLiquidityUsdc = 5_000;

    public static async Task<bool> RunAsync(DevnetNodeSettings settings, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        var directory = Path.GetFullPath(settings.DataDirectory);
        PrepareDataDirectory(directory, log);

        await using var devnet = await LocalDevnet.StartAsync(log, time, cancellationToken).ConfigureAwait(false);
        var liquidity = (UInt256)(PoolLiquidityUsdc * 1_000_000);
        await devnet.Evm.FundPoolAsync(liquidity, cancellationToken).ConfigureAwait(false);
        await devnet.Solana.FundPoolAsync(liquidity.AsUInt64, cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"pools funded with {PoolLiquidityUsdc} USDC on each chain"));

        var path = DevnetNodeConfig.Write(DevnetChains.From(devnet), directory);
        DevnetLog.Line(log, $"run: wrote {path} (the node's configuration for these local chains, which stop with this command)");
        var configuration = NodeOptionsLoader.Load(path);
        var lines = new EpochLines(log, configuration, settings.Epochs);
        using var host = NodeHost.CreateBuilder(configuration, builder => builder.Services.AddSingleton<IEpochProgress>(lines)).Build();

        // Set before the host starts, so the loop never closes an epoch past N.
        host.Services.GetRequiredService<EpochLoopOptions>().LastEpoch = settings.Epochs;

        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        if (configuration.Options.Api.Enabled)
        {
            var api = (await host.Services.GetRequiredService<NodeApiAddresses>().Bound.WaitAsync(cancellationToken).ConfigureAwait(false))[0];
            DevnetLog.Line(log, $"dashboard: {api} (api: {api}v1/epochs, metrics: {api}metrics, live events: curl -N {api}v1/events?from=0)");
        }

        try
        {
            return await RunTrafficAsync(devnet, host, configuration, lines, settings, log, time, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Also on Ctrl+C: the node stops (every step is persisted) before the chains go down.
            using var stopping = new CancellationTokenSource(configuration.Options.Node.ShutdownTimeout);
            await host.StopAsync(stopping.Token).ConfigureAwait(false);
        }
    }

    private static async Task<bool> RunTrafficAsync(
        LocalDevnet devnet, IHost host, LoadedNodeConfiguration configuration, EpochLines lines, DevnetNodeSettings settings, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var traffic = await TrafficGenerator.CreateAsync(
            devnet,
            new TrafficOptions
            {
                IntentsPerSecond = settings.IntentsPerSecond,
                Seed = settings.Seed,
                SettlementMarginSeconds = configuration.Options.Clearing.SettlementMarginSeconds,
            },
            time,
            cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"traffic: {settings.IntentsPerSecond} intents/s both ways (seed {settings.Seed}); {(settings.Epochs is { } n ? $"stopping after epoch {n}" : "Ctrl+C stops")}"));
        DevnetLog.Line(log, EpochLines.Header);
        using var trafficStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var trafficRun = Task.WhenAll(
            traffic.RunAsync(total: null, trafficStop.Token),
            KeepSolanaPayerFundedAsync(devnet, time, trafficStop.Token));
        try
        {
            await lines.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await trafficStop.CancelAsync().ConfigureAwait(false);
            try
            {
                await trafficRun.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (trafficStop.IsCancellationRequested)
            {
                // Stopped on purpose.
            }
        }

        var reported = await ReportedFatesAsync(host.Services.GetRequiredService<IIntentStore>(), traffic.Opened, cancellationToken).ConfigureAwait(false);
        var chains = host.Services.GetRequiredService<NodeChains>();
        var result = await IntentFateCheck.RunAsync(
            traffic.Opened,
            [.. chains.All.Select(c => c.Adapter.State)],
            DevnetEscrowStates.Balances(devnet),
            reported,
            balancesBefore: null,
            cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, "fate of every intent opened, read from the chains:");
        result.WriteTo(log);

        // The independent check: the escrows' own histories, read through plain JSON-RPC from the node's configuration.
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var history = await ChainHistoryReading.ReadAsync(configuration, drained: true, http, NullLoggerFactory.Instance, time, cancellationToken).ConfigureAwait(false);
        var check = ChainChecker.Check(history);
        DevnetLog.Line(log, "every escrow's history, checked from the chains alone:");
        check.WriteTo(log);
        log.Flush();

        return result.Passed && check.Passed;
    }

    /// <summary>The Solana payer pays every settlement transaction's fee and the rent of each account it creates.</summary>
    public const ulong SolanaPayerFloorLamports = 5_000_000_000;

    /// <summary>
    /// Keeps the dev node's Solana payer above <see cref="SolanaPayerFloorLamports"/> while traffic runs: it pays
    /// about 2 SOL of rent per 1,000 intents, so a long devnet run would otherwise drain its initial airdrop.
    /// </summary>
    private static async Task KeepSolanaPayerFundedAsync(LocalDevnet devnet, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(10), time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            await devnet.Solana.TopUpPayerAsync(SolanaPayerFloorLamports, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Marks a directory as a devnet's own: only such a directory (or an empty one) is ever cleared.</summary>
    public const string MarkerFile = ".discreteexec-devnet";

    /// <summary>
    /// The chains are new on every run, so a previous devnet's store describes epochs of chains that no longer exist
    /// and is cleared. Only a directory this command created (it holds <see cref="MarkerFile"/>) is cleared; any other
    /// non-empty directory is refused, never deleted.
    /// </summary>
    private static void PrepareDataDirectory(string directory, TextWriter log)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            if (!File.Exists(Path.Combine(directory, MarkerFile)))
            {
                throw new DevnetException($"--data-dir {directory} is not empty and was not created by a devnet run (it has no {MarkerFile}); choose an empty or new directory.");
            }

            DevnetLog.Line(log, $"run: clearing {directory} (the previous devnet's node data; the chains are new)");
            Directory.Delete(directory, recursive: true);
        }

        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, MarkerFile), "Created by `relayer run --devnet`; the next devnet run clears this directory.\n");
    }

    private static async Task<IReadOnlyDictionary<Bytes32, ReportedFate>> ReportedFatesAsync(IIntentStore store, IReadOnlyList<OpenedIntent> opened, CancellationToken cancellationToken)
    {
        var reported = new Dictionary<Bytes32, ReportedFate>();
        foreach (var intent in opened)
        {
            var stored = await store.GetAsync(intent.IntentId, cancellationToken).ConfigureAwait(false);
            if (stored?.Stage == IntentStage.Filled)
            {
                reported[intent.IntentId] = ReportedFate.Filled;
            }
            else if (stored?.Stage == IntentStage.Refunded)
            {
                reported[intent.IntentId] = ReportedFate.Refunded;
            }
            else if (stored is null or { Stage: IntentStage.Retracted })
            {
                reported[intent.IntentId] = ReportedFate.Dropped;
            }
        }

        return reported;
    }

    /// <summary>Prints one line per margined epoch; completes <see cref="Done"/> after the last one asked for.</summary>
    private sealed class EpochLines(TextWriter log, LoadedNodeConfiguration configuration, ulong? last) : IEpochProgress
    {
        public const string Header = "EPOCH  TRIGGER     INTENTS  FILLED  REFUNDED  DEFERRED  LEGS  CHUNKS  SETTLE    NODE     POOLS (USDC)";

        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Dictionary<ChainId, string> _names = configuration.Chains.ToDictionary(c => c.Options.Chain, c => c.Name);

        public Task Done => _done.Task;

        public void EpochMargined(EpochSummary summary)
        {
            var pools = string.Join(", ", summary.Pools.Select(p => $"{_names.GetValueOrDefault(p.ChainId, p.ChainId.ToString())} {DevnetLog.Usdc(p.Balance)}"));
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"{summary.EpochId,5}  {summary.Trigger,-10}  {summary.IntentCount,7}  {summary.Filled,6}  {summary.Refunded,8}  {summary.Deferred,8}  {summary.Legs,4}  {summary.Chunks,6}  {summary.SettleLatency.TotalSeconds,6:0.00} s  {summary.NodeTime.TotalMilliseconds,5:0} ms  {pools}{(summary.ChunksAbandoned > 0 ? $"  ({summary.ChunksAbandoned} chunk(s) abandoned)" : string.Empty)}"));
            if (last is { } n && summary.EpochId >= n)
            {
                _done.TrySetResult();
            }
        }
    }
}
