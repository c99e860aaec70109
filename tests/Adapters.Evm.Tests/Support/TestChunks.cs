using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Tests.Support;

/// <summary>
/// Chunks as the aggregator's planner would hand them to a submitter (the adapter does not reference the aggregator):
/// a Release chunk first when there are Releases, then the transfers perChunk at a time, indices
/// running through; the batch root is the one-leg root of the whole leg.
/// </summary>
internal static class TestChunks
{
    public static IReadOnlyList<SettlementChunk> Of(ChainId chain, ulong epoch, IReadOnlyList<SettlementAction> actions, int perChunk = int.MaxValue)
    {
        var legHash = MerkleTree.Root(SettlementLeaf.Hashes(chain, epoch, actions));
        var root = MerkleTree.Root(new[] { legHash });
        var chunks = new List<SettlementChunk>();
        var releases = actions.Where(a => a.Kind == ActionKind.Release).ToArray();
        if (releases.Length > 0)
        {
            chunks.Add(new SettlementChunk(chain, epoch, 0, root, ChunkStage.Release, releases));
        }

        foreach (var group in actions.Where(a => a.Kind != ActionKind.Release).Chunk(perChunk))
        {
            chunks.Add(new SettlementChunk(chain, epoch, (uint)chunks.Count, root, ChunkStage.Transfer, group));
        }

        return chunks;
    }

    public static SettlementChunk Single(ChainId chain, ulong epoch, IReadOnlyList<SettlementAction> actions) => Assert.Single(Of(chain, epoch, actions));
}
