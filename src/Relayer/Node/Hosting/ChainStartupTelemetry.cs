using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// The chain start-up checks' instruments (RPC errors, chains ready), on the node's Meter (the same name as the epoch
/// loop's, <see cref="Epochs.NodeTelemetry.Name"/>, so one exporter subscription takes both).
/// </summary>
internal sealed class ChainStartupTelemetry : IDisposable
{
    /// <summary>The name of the node's ActivitySource and Meter.</summary>
    public const string Name = Epochs.NodeTelemetry.Name;

    /// <summary>Tag with the chain's configured name on every per-chain instrument.</summary>
    public const string ChainTag = "chain";

    public ChainStartupTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        Meter = meterFactory.Create(Name);
        RpcErrors = Meter.CreateCounter<long>("discreteexec.node.rpc.errors", unit: "{error}", description: "Failed JSON-RPC calls the node will retry, per chain.");
        ChainsReady = Meter.CreateUpDownCounter<int>("discreteexec.node.chains.ready", unit: "{chain}", description: "Chains whose RPC answered and matched the configured chain id.");
    }

    public ActivitySource ActivitySource { get; } = new(Name);

    public Meter Meter { get; }

    public Counter<long> RpcErrors { get; }

    public UpDownCounter<int> ChainsReady { get; }

    public void Dispose() => ActivitySource.Dispose();
}
