using System.Globalization;
using System.Threading.Channels;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace DiscreteExec.Relayer.Bench;

/// <summary>One epoch of the node benchmark: what the loop reported and when its stages were reached.</summary>
internal sealed record NodeBenchEpoch(EpochSummary Summary, TimeSpan OpeningTime, IReadOnlyList<IntentEndToEnd> Intents);

/// <summary>
/// One intent from its opening (its open transaction final) to its payout final (the epoch Settled): the wait for
/// its epoch to close, the node's own time and the chains' from the close to Settled, and the rest of that span
/// (the loop's poll interval between steps that could not proceed yet).
/// </summary>
internal readonly record struct IntentEndToEnd(TimeSpan Total, TimeSpan EpochWait, TimeSpan Node, TimeSpan Chain, TimeSpan Polling);

/// <summary>
/// The relayer-overhead benchmark: a fresh local devnet and one node in this process per epoch size. Each epoch's
/// intents are opened on the chains before it closes (setup, not measured: transfers both ways, one in ten with a
/// deadline inside the settlement margin, so refunded; none deferred, so every epoch takes exactly its batch), the
/// epoch closes on the intent-count trigger, and the loop's per-epoch summary says how long the node spent on its own
/// and waiting on chains.
/// </summary>
internal static class NodeBenchmarkRunner
{
    /// <summary>Each pool's liquidity (whole USDC): far above what any epoch pays out, so the margin caps never defer.</summary>
    public const ulong PoolLiquidityUsdc = 100_000_000;

    /// <summary>Intents opened per call of the traffic generator (the open time of an intent is its call's end).</summary>
    public const int OpenBatch = 500;

    /// <summary>Intents of the warm-up epoch run before the measured ones (JIT, connections, caches), not reported.</summary>
    public const int WarmUpIntents = 200;

    /// <summary>What the Solana payer spends per intent settled, rounded up (receipt and payout-marker rent, fees).</summary>
    public const ulong PayerLamportsPerIntent = 3_000_000;

    /// <summary>How long one epoch may take from its first open to Margined before the run gives up.</summary>
    public static readonly TimeSpan EpochTimeout = TimeSpan.FromMinutes(15);

    /// <summary>The node steps from the close to the last payout sent (the margin step runs after it).</summary>
    public static readonly string[] SettlingSteps = ["close", "clear", "attest", "release", "pay"];

    public static async Task<IReadOnlyList<NodeBenchEpoch>> RunAsync(int intentsPerEpoch, int epochs, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intentsPerEpoch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(epochs, 1);
        var time = TimeProvider.System;
        var directory = Path.Combine(Path.GetTempPath(), string.Create(CultureInfo.InvariantCulture, $"relayer-bench-node-{Environment.ProcessId}-{intentsPerEpoch}"));
        if (Directory.Exists(directory))
        {
            Directory.Delete(directory, recursive: true);
        }

        try
        {
            await using var devnet = await LocalDevnet.StartAsync(TextWriter.Null, time, cancellationToken).ConfigureAwait(false);
            var liquidity = (UInt256)(PoolLiquidityUsdc * 1_000_000);
            await devnet.Evm.FundPoolAsync(liquidity, cancellationToken).ConfigureAwait(false);
            await devnet.Solana.FundPoolAsync(liquidity.AsUInt64, cancellationToken).ConfigureAwait(false);
            var configuration = NodeOptionsLoader.Load(DevnetNodeConfig.Write(DevnetChains.From(devnet), directory));
            var summaries = new SummaryChannel();
            using var host = NodeHost.CreateBuilder(configuration, builder => builder.Services.AddSingleton<IEpochProgress>(summaries)).Build();

            // Only the count trigger closes an epoch: exactly the batch opened for it.
            var loop = host.Services.GetRequiredService<EpochLoopOptions>();
            loop.LastEpoch = (ulong)epochs + 1;
            loop.Triggers.MaxIntentCount = Math.Min(WarmUpIntents, intentsPerEpoch);
            loop.Triggers.MaxDuration = TimeSpan.FromDays(1);
            loop.Triggers.MaxPriceMoveBps = 0;
            loop.Triggers.MaxNotional = UInt256.Zero;
            loop.Triggers.Adaptive = false;

            var traffic = await TrafficGenerator.CreateAsync(
                devnet,
                new TrafficOptions
                {
                    Mix = new TrafficMixWeights { Transfer = 90, DeadlineTooSoon = 10, LimitAboveOutput = 0, LimitAboveOutputExpiring = 0 },
                    SettlementMarginSeconds = configuration.Options.Clearing.SettlementMarginSeconds,
                },
                time,
                cancellationToken).ConfigureAwait(false);
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var store = host.Services.GetRequiredService<IEpochStore>();
                var warmUp = await RunEpochAsync(1, loop.Triggers.MaxIntentCount, traffic, summaries, store, time, TextWriter.Null, cancellationToken).ConfigureAwait(false);
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                    $"  warm-up epoch of {warmUp.Summary.IntentCount} intents (not reported): node {SettlingNodeTime(warmUp.Summary).TotalMilliseconds:0} ms"));

                // Epoch 2 is open with an empty book (an empty epoch never closes), so the new count applies to it.
                loop.Triggers.MaxIntentCount = intentsPerEpoch;
                var results = new List<NodeBenchEpoch>(epochs);
                for (var epoch = 2UL; epoch <= (ulong)epochs + 1; epoch++)
                {
                    results.Add(await RunEpochAsync(epoch, intentsPerEpoch, traffic, summaries, store, time, log, cancellationToken).ConfigureAwait(false));
                }

                return results;
            }
            finally
            {
                using var stopping = new CancellationTokenSource(configuration.Options.Node.ShutdownTimeout);
                await host.StopAsync(stopping.Token).ConfigureAwait(false);
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    private static async Task<NodeBenchEpoch> RunEpochAsync(
        ulong epochId, int count, TrafficGenerator traffic, SummaryChannel summaries, IEpochStore store, TimeProvider time, TextWriter log, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(EpochTimeout);
        // Setup: the Solana payer pays every chunk's rent (~2 SOL per 1,000 intents); 10 SOL would run out by epoch 5.
        await traffic.Devnet.Solana.TopUpPayerAsync(PayerLamportsPerIntent * (ulong)count * 2, timeout.Token).ConfigureAwait(false);
        var openingStarted = time.GetTimestamp();
        var openedAt = new List<long>(count);
        for (var opened = 0; opened < count; opened += OpenBatch)
        {
            var batch = await traffic.OpenAsync(Math.Min(OpenBatch, count - opened), timeout.Token).ConfigureAwait(false);
            var final = time.GetUtcNow().ToUnixTimeMilliseconds();
            openedAt.AddRange(batch.Select(_ => final));
        }

        var openingTime = time.GetElapsedTime(openingStarted);
        EpochSummary summary;
        try
        {
            summary = await summaries.NextAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"Epoch {epochId} ({count} intents) did not reach Margined within {EpochTimeout.TotalMinutes} minutes of its first open."));
        }

        if (summary.EpochId != epochId || summary.IntentCount != count)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Expected epoch {epochId} with the {count} intents opened for it; the node reported epoch {summary.EpochId} with {summary.IntentCount} ({summary.Deferred} deferred)."));
        }

        var record = await store.GetAsync(epochId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Epoch {epochId} was reported Margined but the store has no record of it.");
        // The Closed stamp is taken at the end of the close step: the epoch stopped waiting when that step began.
        var close = StepOf(summary, "close");
        var closeStarted = record.StageTimes[EpochStage.Closed] - (long)(close.Node + close.Chain).TotalMilliseconds;
        var settled = record.StageTimes[EpochStage.Settled];
        var node = SettlingNodeTime(summary);
        var chain = SettlingChainWait(summary);
        var polling = TimeSpan.FromMilliseconds(settled - closeStarted) - node - chain;
        var intents = openedAt.Select(opened => new IntentEndToEnd(
            TimeSpan.FromMilliseconds(settled - opened), TimeSpan.FromMilliseconds(closeStarted - opened), node, chain, polling)).ToArray();
        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"  epoch {epochId,3}: {count} intents opened in {openingTime.TotalSeconds:0.0} s; node {node.TotalMilliseconds:0} ms (clearing {summary.ClearingTime.TotalMilliseconds:0} ms), chain wait {chain.TotalSeconds:0.00} s, settled {summary.SettleLatency.TotalSeconds:0.00} s after close; {summary.Filled} filled, {summary.Refunded} refunded, {summary.Chunks} chunks; {summary.LedgerSaves} chunk-progress writes took {summary.LedgerSaveTime.TotalMilliseconds:0} ms"));
        return new NodeBenchEpoch(summary, openingTime, intents);
    }

    /// <summary>One step's time in an epoch (zero when the step did not run in this process).</summary>
    public static StepTime StepOf(EpochSummary summary, string step) =>
        summary.Steps is { } steps && steps.TryGetValue(step, out var time) ? time : default;

    /// <summary>The node's own time from the close to the last payout sent (the benchmark's "node time").</summary>
    public static TimeSpan SettlingNodeTime(EpochSummary summary) =>
        SettlingSteps.Aggregate(TimeSpan.Zero, (sum, step) => sum + StepOf(summary, step).Node);

    /// <summary>The chains' share from the close to the last payout final.</summary>
    public static TimeSpan SettlingChainWait(EpochSummary summary) =>
        SettlingSteps.Aggregate(TimeSpan.Zero, (sum, step) => sum + StepOf(summary, step).Chain);

    /// <summary>Nearest-rank percentile (p in whole percent) of a non-empty set of durations.</summary>
    public static TimeSpan Percentile(IEnumerable<TimeSpan> values, int percent)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = ((percent * sorted.Length) + 99) / 100;
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    /// <summary>The loop's summaries as they arrive.</summary>
    private sealed class SummaryChannel : IEpochProgress
    {
        private readonly Channel<EpochSummary> _summaries = Channel.CreateUnbounded<EpochSummary>();

        public void EpochMargined(EpochSummary summary) => _summaries.Writer.TryWrite(summary);

        public ValueTask<EpochSummary> NextAsync(CancellationToken cancellationToken) => _summaries.Reader.ReadAsync(cancellationToken);
    }
}
