using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DiscreteExec.Adapters.Evm;

/// <summary>The adapter's ActivitySource and metrics (what an operator would chart: RPC retries, intents, retractions, legs).</summary>
public static class EvmTelemetry
{
    public const string Name = "DiscreteExec.Adapters.Evm";

    public static readonly ActivitySource ActivitySource = new(Name);

    private static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> RpcRequests = Meter.CreateCounter<long>("evm.rpc.requests", description: "JSON-RPC HTTP requests sent (attempts).");
    internal static readonly Counter<long> RpcRetries = Meter.CreateCounter<long>("evm.rpc.retries", description: "JSON-RPC attempts retried after a transient fault.");
    internal static readonly Counter<long> IntentsObserved = Meter.CreateCounter<long>("evm.watcher.intents_observed");
    internal static readonly Counter<long> IntentsRetracted = Meter.CreateCounter<long>("evm.watcher.intents_retracted");
    internal static readonly Counter<long> IntentsRecovered = Meter.CreateCounter<long>("evm.watcher.intents_recovered", description: "Intents the event scan missed, recovered from the escrow's state by reconciling against its deposit counter (tag chain.id): a flaky RPC.");
    internal static readonly Counter<long> RecoveriesRefused = Meter.CreateCounter<long>("evm.watcher.recoveries_refused", description: "Missed deposit nonces whose log and stored intent disagreed or whose log was not found; retried (tag chain.id).");
    internal static readonly Counter<long> LogsSkipped = Meter.CreateCounter<long>("evm.watcher.logs_skipped", description: "Undecodable escrow logs skipped.");
    internal static readonly Counter<long> Reorgs = Meter.CreateCounter<long>("evm.watcher.reorgs");
    internal static readonly Counter<long> ChunksApplied = Meter.CreateCounter<long>("evm.submitter.chunks_applied");
    internal static readonly Counter<long> FeeBumps = Meter.CreateCounter<long>("evm.submitter.fee_bumps");
}
