using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// The node's one <see cref="ActivitySource"/> (a span per epoch step) and one <see cref="Meter"/> (what an operator
/// charts), both named <see cref="Name"/> so that an exporter subscribes by that name. Instruments are created from
/// <see cref="Meter"/> by the code that records them; the instruments of the host itself live here.
/// </summary>
internal sealed class NodeTelemetry : IDisposable
{
    /// <summary>The name of the node's ActivitySource and Meter.</summary>
    public const string Name = "DiscreteExec.Relayer.Node";

    /// <summary>Tag with the chain's configured name on every per-chain instrument.</summary>
    public const string ChainTag = "chain";

    public NodeTelemetry(IMeterFactory meterFactory)
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
