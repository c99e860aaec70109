using System.Diagnostics;

namespace DiscreteExec.Adapters.Solana.Diagnostics;

/// <summary>The adapter's ActivitySource (name <c>DiscreteExec.Adapters.Solana</c>); its metrics are the shared <c>discreteexec.chain.*</c> ones.</summary>
public static class SolanaTelemetry
{
    public const string Name = "DiscreteExec.Adapters.Solana";

    public static readonly ActivitySource ActivitySource = new(Name);
}
