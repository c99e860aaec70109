using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Log scopes with the node's field names, so that every line written inside one carries them (the console shows
/// scopes; the JSON console writes them as fields): <c>EpochId</c>, <c>IntentId</c>, <c>Chain</c> and <c>ChainId</c>.
/// </summary>
internal static class NodeLogScopes
{
    public static IDisposable? BeginEpochScope(this ILogger logger, ulong epochId) =>
        logger.BeginScope(new LogScope([new("EpochId", epochId)]));

    public static IDisposable? BeginIntentScope(this ILogger logger, Core.Bytes32 intentId) =>
        logger.BeginScope(new LogScope([new("IntentId", intentId.ToString())]));

    public static IDisposable? BeginChainScope(this ILogger logger, ConfiguredChain chain) =>
        logger.BeginScope(new LogScope([new("Chain", chain.Name), new("ChainId", chain.Options.ChainId)]));

    /// <summary>Named fields for structured sinks, and "Name=value ..." for the text console.</summary>
    private sealed class LogScope(KeyValuePair<string, object>[] fields) : IReadOnlyList<KeyValuePair<string, object>>
    {
        public int Count => fields.Length;

        public KeyValuePair<string, object> this[int index] => fields[index];

        public IEnumerator<KeyValuePair<string, object>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object>>)fields).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => string.Join(' ', fields.Select(f => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{f.Key}={f.Value}")));
    }
}
