namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>The node's configuration cannot be used; <see cref="Failures"/> lists every problem, each naming its key.</summary>
internal sealed class NodeConfigurationException(string source, IReadOnlyList<string> failures)
    : Exception($"{source}: {failures.Count} configuration error(s):\n  " + string.Join("\n  ", failures))
{
    public IReadOnlyList<string> Failures { get; } = failures;
}
