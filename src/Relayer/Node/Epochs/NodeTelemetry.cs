using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>The node's spans and metrics: one span per epoch step, and what an operator charts.</summary>
internal static class NodeTelemetry
{
    public const string Name = "DiscreteExec.Relayer.Node";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Epochs that reached a stage (tag stage).</summary>
    public static readonly Counter<long> Epochs = Meter.CreateCounter<long>("node.epochs", description: "Epochs that reached a stage");

    /// <summary>Intents moved to a state by an epoch step (tag state: in-epoch, deferred, filled, refunded, returned).</summary>
    public static readonly Counter<long> Intents = Meter.CreateCounter<long>("node.intents", description: "Intents moved to a state");

    /// <summary>The node's own time per settlement phase (tag phase: release = close to every Release chunk final; payout = Releases final to every other chunk final).</summary>
    public static readonly Histogram<double> SettleLatency = Meter.CreateHistogram<double>("node.settle.latency", unit: "ms", description: "Node time per settlement phase");

    /// <summary>Chunk rounds that failed (tags chain, reason: retrying); no chunk is ever abandoned, it is tried again.</summary>
    public static readonly Counter<long> ChunkFailures = Meter.CreateCounter<long>("node.chunk.failures", description: "Chunk rounds that failed and are tried again");

    /// <summary>Chunks (Releases, payouts, refunds) not applied yet that wait for their next round, per chain after every run (tags node, chain); above 0 means an epoch is stuck.</summary>
    public static readonly Gauge<long> StuckChunks = Meter.CreateGauge<long>("node.chunks.stuck", description: "Chunks not yet applied, waiting for their next round");

    /// <summary>Pool utilisation after each epoch, in basis points (tags chain, token).</summary>
    public static readonly Histogram<int> PoolUtilisation = Meter.CreateHistogram<int>("node.pool.utilisation", unit: "bps", description: "Pool utilisation after settlement");

    /// <summary>Ticks at which no epoch could close because a reference price was stale or missing (tag asset).</summary>
    public static readonly Counter<long> PriceUnavailable = Meter.CreateCounter<long>("node.price.unavailable", description: "Ticks without a usable reference price");

    public static Activity? StartStep(string step, ulong epochId)
    {
        var activity = Source.StartActivity($"epoch.{step}");
        activity?.SetTag("epoch.id", epochId);
        return activity;
    }
}
