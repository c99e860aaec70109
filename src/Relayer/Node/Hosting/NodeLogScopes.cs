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
        logger.BeginScope(new Dictionary<string, object> { ["EpochId"] = epochId });

    public static IDisposable? BeginIntentScope(this ILogger logger, Core.Bytes32 intentId) =>
        logger.BeginScope(new Dictionary<string, object> { ["IntentId"] = intentId.ToString() });

    public static IDisposable? BeginChainScope(this ILogger logger, ConfiguredChain chain) =>
        logger.BeginScope(new Dictionary<string, object> { ["Chain"] = chain.Name, ["ChainId"] = chain.Options.ChainId });
}
