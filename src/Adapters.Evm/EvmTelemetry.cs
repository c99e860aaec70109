using System.Diagnostics;

namespace DiscreteExec.Adapters.Evm;

/// <summary>The adapter's ActivitySource (RPC calls, watcher polls, chunk submissions); its metrics are the shared <c>discreteexec.chain.*</c> ones.</summary>
public static class EvmTelemetry
{
    public const string Name = "DiscreteExec.Adapters.Evm";

    public static readonly ActivitySource ActivitySource = new(Name);
}
