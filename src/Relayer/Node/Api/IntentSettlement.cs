using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// Where an intent's actions sit in its epoch's stored batch: each action's leaf, its leg, the chunk the epoch loop
/// planned for it (the same <see cref="SettlementChunkPlanner"/> over the same limits) and that chunk's progress and
/// transaction, plus the Merkle paths leaf → leg hash → batch root (<see cref="MerkleTree.Proof"/>).
/// </summary>
internal static class IntentSettlement
{
    private const string BatchBlob = "batch";

    // The batch of another root this node followed (written only then) is the one its escrows applied.
    private const string FollowedBatchBlob = "followed-batch";

    /// <summary>The intent's actions in its epoch, in batch order (chain, then leg order); null when the epoch has no batch yet.</summary>
    public static async Task<IReadOnlyList<ActionProof>?> LocateAsync(
        Bytes32 intentId, ulong epochId, IEpochStore epochs, ChunkLimitsSource? limits, CancellationToken cancellationToken)
    {
        if ((await epochs.GetBlobAsync(epochId, FollowedBatchBlob, cancellationToken).ConfigureAwait(false)
            ?? await epochs.GetBlobAsync(epochId, BatchBlob, cancellationToken).ConfigureAwait(false)) is not { } bytes)
        {
            return null;
        }

        var batch = BatchFileReader.Parse(bytes);
        var record = await epochs.GetAsync(epochId, cancellationToken).ConfigureAwait(false);
        var legs = batch.Legs.OrderBy(l => l.ChainId).ToArray();
        var legHashes = legs.Select(l => l.LegHash).ToArray();
        var chunks = limits is null ? [] : SettlementChunkPlanner.Plan(legs, limits.LimitsOf);
        var found = new List<ActionProof>();
        for (var legIndex = 0; legIndex < legs.Length; legIndex++)
        {
            var leg = legs[legIndex];
            Bytes32[]? leaves = null;
            for (var actionIndex = 0; actionIndex < leg.Actions.Count; actionIndex++)
            {
                var action = leg.Actions[actionIndex];
                if (action.IntentId != intentId || action.Kind == ActionKind.Withdraw)
                {
                    continue;
                }

                leaves ??= SettlementLeaf.Hashes(leg.ChainId, epochId, leg.Actions);
                var chunk = chunks.FirstOrDefault(c => c.ChainId == leg.ChainId && c.Actions.Contains(action));
                var progress = chunk is null ? null : record?.Chunks.FirstOrDefault(c => c.ChainId == leg.ChainId && c.Index == chunk.Index);
                found.Add(new ActionProof(
                    leg.ChainId,
                    action.Kind,
                    action.Token,
                    action.Account,
                    action.Amount,
                    leaves[actionIndex],
                    actionIndex,
                    MerkleTree.Proof(leaves, actionIndex),
                    leg.LegHash,
                    legIndex,
                    MerkleTree.Proof(legHashes, legIndex),
                    batch.BatchRoot,
                    chunk?.Index,
                    progress?.Stage,
                    progress?.TransactionId));
            }
        }

        return found;
    }
}

/// <summary>
/// One action of an intent with what an integrator needs to check it against the batch root the escrow emitted in
/// LegApplied: fold <see cref="Leaf"/> with <see cref="LeafToLegHash"/> to <see cref="LegHash"/>, then with
/// <see cref="LegHashToBatchRoot"/> to <see cref="BatchRoot"/> (each step keccak256 of the smaller hash first).
/// </summary>
internal sealed record ActionProof(
    ChainId ChainId,
    ActionKind Kind,
    Bytes32 Token,
    Bytes32 Account,
    UInt256 Amount,
    Bytes32 Leaf,
    int LeafIndex,
    IReadOnlyList<Bytes32> LeafToLegHash,
    Bytes32 LegHash,
    int LegIndex,
    IReadOnlyList<Bytes32> LegHashToBatchRoot,
    Bytes32 BatchRoot,
    uint? ChunkIndex,
    ChunkProgressStage? ChunkStage,
    string? TransactionId);
