using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Settlement;

/// <summary>
/// Splits an epoch's legs into chunks, deterministically from the legs and each chain's fixed limits, so every
/// node signs and submits the same chunks (docs/ARCHITECTURE.md protocol v2, guarantees 1, 2 and 7). Per chain, chunk indices run
/// through: Release chunks (Releases only, in leg order); Refund chunks; Payout chunks, grouped by the origin
/// Release chunk of their source intents (a Payout chunk never mixes intents of two Release chunks, so a Release
/// chunk that cannot apply withholds exactly its own payouts); Withdraw chunks.
/// </summary>
public static class SettlementChunkPlanner
{
    public static IReadOnlyList<SettlementChunk> Plan(IReadOnlyList<SettlementLeg> legs, Func<ChainId, ChunkLimits> limitsOf)
    {
        ArgumentNullException.ThrowIfNull(legs);
        ArgumentNullException.ThrowIfNull(limitsOf);
        var ordered = legs.OrderBy(l => l.ChainId).ToArray();
        var limits = new Dictionary<ChainId, ChunkLimits>();
        foreach (var leg in ordered)
        {
            var chainLimits = limitsOf(leg.ChainId);
            chainLimits.Validate(leg.ChainId);
            if (!limits.TryAdd(leg.ChainId, chainLimits))
            {
                throw new ArgumentException($"Two legs for chain {leg.ChainId}.", nameof(legs));
            }
        }

        var chunks = new List<SettlementChunk>();
        var releasedIn = new Dictionary<Bytes32, ChunkReference>();
        var nextIndex = new Dictionary<ChainId, uint>();
        foreach (var leg in ordered)
        {
            var releases = leg.Actions.Where(a => a.Kind == ActionKind.Release).ToArray();
            foreach (var group in releases.Chunk(limits[leg.ChainId].MaxReleases))
            {
                var chunk = Add(chunks, nextIndex, leg, ChunkStage.Release, group, awaits: null);
                foreach (var action in group)
                {
                    if (!releasedIn.TryAdd(action.IntentId, chunk.Reference))
                    {
                        throw new ArgumentException($"Intent {action.IntentId} is released twice in epoch {leg.EpochId}.", nameof(legs));
                    }
                }
            }
        }

        foreach (var leg in ordered)
        {
            var maxTransfers = limits[leg.ChainId].MaxTransfers;
            foreach (var group in leg.Actions.Where(a => a.Kind == ActionKind.Refund).Chunk(maxTransfers))
            {
                Add(chunks, nextIndex, leg, ChunkStage.Transfer, group, awaits: null);
            }

            var payouts = leg.Actions.Where(a => a.Kind == ActionKind.Payout).Select(a =>
                releasedIn.TryGetValue(a.IntentId, out var release)
                    ? (Action: a, Release: release)
                    : throw new ArgumentException($"Chain {leg.ChainId} pays intent {a.IntentId}, which no leg of epoch {leg.EpochId} releases.", nameof(legs)));

            // Stable grouping: groups in (origin chain, release chunk) order, payouts within a group in leg order.
            foreach (var byRelease in payouts.GroupBy(p => p.Release).OrderBy(g => g.Key.ChainId).ThenBy(g => g.Key.Index))
            {
                foreach (var group in byRelease.Select(p => p.Action).Chunk(maxTransfers))
                {
                    Add(chunks, nextIndex, leg, ChunkStage.Transfer, group, byRelease.Key);
                }
            }

            foreach (var group in leg.Actions.Where(a => a.Kind == ActionKind.Withdraw).Chunk(maxTransfers))
            {
                Add(chunks, nextIndex, leg, ChunkStage.Transfer, group, awaits: null);
            }
        }

        return chunks.OrderBy(c => c.ChainId).ThenBy(c => c.Index).ToArray();
    }

    private static SettlementChunk Add(
        List<SettlementChunk> chunks, Dictionary<ChainId, uint> nextIndex, SettlementLeg leg, ChunkStage stage, SettlementAction[] actions, ChunkReference? awaits)
    {
        nextIndex.TryGetValue(leg.ChainId, out var index);
        nextIndex[leg.ChainId] = index + 1;
        var chunk = new SettlementChunk(leg.ChainId, leg.EpochId, index, leg.BatchRoot, stage, actions) { AwaitsRelease = awaits };
        chunks.Add(chunk);
        return chunk;
    }
}
