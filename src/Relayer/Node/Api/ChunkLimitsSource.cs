using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// Each chain's chunk limits, fixed per deployment: with them the API plans an epoch's chunks exactly as the epoch loop
/// did (<c>SettlementChunkPlanner</c>), to name the chunk that carried an action.
/// </summary>
internal sealed class ChunkLimitsSource(IReadOnlyDictionary<ChainId, ChunkLimits> limits)
{
    /// <summary>The chain's limits; a chain that is not configured here has none.</summary>
    public ChunkLimits LimitsOf(ChainId chainId) =>
        limits.TryGetValue(chainId, out var chainLimits)
            ? chainLimits
            : throw new InvalidOperationException($"Chain {chainId} is not configured on this node, so its chunks cannot be planned.");
}
