using System.Diagnostics;
using System.Diagnostics.Metrics;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Chains.Diagnostics;

/// <summary>
/// The metrics both adapters record under one naming scheme: <c>discreteexec.chain.*</c>, every measurement tagged
/// <c>chain.kind</c> (evm, solana) and <c>chain.id</c>. Meter <see cref="MeterName"/>.
/// </summary>
public static class ChainTelemetry
{
    public const string MeterName = "DiscreteExec.Chains";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>JSON-RPC HTTP requests sent (each attempt), tag <c>rpc.method</c>.</summary>
    public static readonly Counter<long> RpcCalls = Meter.CreateCounter<long>("discreteexec.chain.rpc.calls", "{call}", "JSON-RPC HTTP requests sent (each attempt).");

    /// <summary>Failed attempts, tags <c>rpc.method</c> and <c>error.type</c> (transport, http, json_rpc, timeout, circuit_open).</summary>
    public static readonly Counter<long> RpcErrors = Meter.CreateCounter<long>("discreteexec.chain.rpc.errors", "{error}", "Failed JSON-RPC attempts.");

    /// <summary>Attempts retried after a transient fault, tag <c>rpc.method</c>.</summary>
    public static readonly Counter<long> RpcRetries = Meter.CreateCounter<long>("discreteexec.chain.rpc.retries", "{retry}", "JSON-RPC attempts retried after a transient fault.");

    /// <summary>Each attempt's duration until its response was read, tag <c>rpc.method</c>.</summary>
    public static readonly Histogram<double> RpcDuration = Meter.CreateHistogram<double>("discreteexec.chain.rpc.duration", "s", "JSON-RPC attempt duration.");

    /// <summary>How far the watcher's cursor is behind the chain's head (EVM blocks, Solana slots) after a poll.</summary>
    public static readonly Gauge<long> WatcherLag = Meter.CreateGauge<long>("discreteexec.chain.watcher.lag", "{block}", "Blocks (EVM) or slots (Solana) between the chain's head and the watcher's cursor.");

    public static readonly Counter<long> IntentsObserved = Meter.CreateCounter<long>("discreteexec.chain.watcher.intents_observed", "{intent}", "IntentObserved reports sent.");

    public static readonly Counter<long> IntentsRetracted = Meter.CreateCounter<long>("discreteexec.chain.watcher.intents_retracted", "{intent}", "IntentRetracted reports sent (a reorg removed the deposit).");

    public static readonly Counter<long> IntentsRecovered = Meter.CreateCounter<long>("discreteexec.chain.watcher.intents_recovered", "{intent}", "Intents no event reported, recovered from the escrow's state by reconciling against its deposit counter: a flaky RPC.");

    public static readonly Counter<long> RecoveriesRefused = Meter.CreateCounter<long>("discreteexec.chain.watcher.recoveries_refused", "{nonce}", "Missed deposit nonces whose event and stored intent disagreed or whose event was not found; retried.");

    public static readonly Counter<long> EventsSkipped = Meter.CreateCounter<long>("discreteexec.chain.watcher.events_skipped", "{event}", "Escrow events that did not decode, skipped.");

    public static readonly Counter<long> Reorgs = Meter.CreateCounter<long>("discreteexec.chain.watcher.reorgs", "{reorg}", "Reorgs the watcher detected below its cursor.");

    /// <summary>Reorganisations of a block the watcher had treated as final (deeper than the confirmation depth): the chain's intake and settlement stop.</summary>
    public static readonly Counter<long> DeepReorgs = Meter.CreateCounter<long>("discreteexec.chain.watcher.deep_reorgs", "{reorg}", "Reorganisations deeper than the confirmation depth; the chain is stopped.");

    /// <summary>Settlement chunks the submitter saw applied (applied now or found already applied).</summary>
    public static readonly Counter<long> ChunksSubmitted = Meter.CreateCounter<long>("discreteexec.chain.submitter.chunks_submitted", "{chunk}", "Settlement chunks applied (now or found already applied).");

    /// <summary>Chunk transactions sent again with new terms (EVM: a fee bump; Solana: rebuilt on a new blockhash).</summary>
    public static readonly Counter<long> Resubmissions = Meter.CreateCounter<long>("discreteexec.chain.submitter.resubmissions", "{transaction}", "Chunk transactions replaced (EVM fee bump, Solana new blockhash).");

    /// <summary>The <c>chain.kind</c> and <c>chain.id</c> tags of one chain.</summary>
    public static TagList Tags(ChainKind kind, ChainId chainId) => new()
    {
        { "chain.kind", KindName(kind) },
        { "chain.id", chainId.Value },
    };

    /// <summary>The chain tags plus <c>rpc.method</c>.</summary>
    public static TagList Tags(ChainKind kind, ChainId chainId, string method)
    {
        var tags = Tags(kind, chainId);
        tags.Add("rpc.method", method);
        return tags;
    }

    /// <summary>The lowercase kind name used in tags and file names.</summary>
    public static string KindName(ChainKind kind) => kind switch
    {
        ChainKind.Evm => "evm",
        ChainKind.Solana => "solana",
        _ => kind.ToString().ToLowerInvariant(),
    };
}
