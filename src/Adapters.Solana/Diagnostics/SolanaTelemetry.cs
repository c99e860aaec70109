using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DiscreteExec.Adapters.Solana.Diagnostics;

/// <summary>The adapter's ActivitySource and metrics (name <c>DiscreteExec.Adapters.Solana</c>).</summary>
public static class SolanaTelemetry
{
    public const string Name = "DiscreteExec.Adapters.Solana";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> RpcRetries = Meter.CreateCounter<long>("solana.rpc.retries", description: "JSON-RPC attempts retried after a transient fault");
    internal static readonly Counter<long> IntentsObserved = Meter.CreateCounter<long>("solana.watcher.intents", description: "IntentOpened events reported");
    internal static readonly Counter<long> IntentsRecovered = Meter.CreateCounter<long>("solana.watcher.recovered_intents", description: "Intents no event reported, recovered from their accounts by reconciling against the deposit counter (tag chain.id)");
    internal static readonly Counter<long> MalformedEvents = Meter.CreateCounter<long>("solana.watcher.malformed_events", description: "Program data lines that did not decode");
    internal static readonly Counter<long> ChunksApplied = Meter.CreateCounter<long>("solana.submitter.chunks", description: "Settlement chunks confirmed (applied now or found applied)");
    internal static readonly Counter<long> Rebuilds = Meter.CreateCounter<long>("solana.submitter.rebuilds", description: "Transactions rebuilt and re-signed after their blockhash expired");
}
