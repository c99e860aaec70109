using DiscreteExec.Core;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// Rounds of an epoch in an operator set: when the roots of the epoch's round all fall short of the threshold and the
/// attestations this node verified prove that none of them can ever reach it, counting the operators not yet seen and up
/// to N - M false signers when M &gt;= floor(2N/3) + 1 (<see cref="EpochRounds.NoRootCanReachThreshold"/>),
/// the epoch moves to the next round: this node's own root's intents go back to the book, the record is Open again
/// in round r + 1 (its blobs and chosen root kept per round), and the turns start again with operator (k + r + 1) mod N.
/// Nothing of the abandoned round is ever submitted: none of its roots can reach the threshold, and a signature of one
/// round never counts in another (the roots are bound to their round).
/// </summary>
internal sealed partial class EpochLoop
{
    /// <summary>True when the epoch moved to the next round (the record is Open in it).</summary>
    private async Task<bool> TryNextRoundAsync(EpochRecord record, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var signers = await RoundSignersAsync(record, seat, cancellationToken).ConfigureAwait(false);
        if (signers.Count == 0 || !EpochRounds.NoRootCanReachThreshold(signers, seat.Count, seat.Threshold))
        {
            return false;
        }

        // Its own root's intents back to the book first: a crash before the record moves repeats the move.
        if (record.Stage != EpochStage.Open)
        {
            var input = await LoadInputAsync(record, cancellationToken).ConfigureAwait(false);
            await ReturnToBookAsync(record.EpochId, [.. input.Intents.Select(i => i.IntentId)], cancellationToken).ConfigureAwait(false);
        }

        var next = record with
        {
            Stage = EpochStage.Open,
            Round = record.Round + 1,
            ClosesAt = null,
            Trigger = null,
            ManifestHash = null,
            BatchRoot = null,
            IntentCount = 0,
            Filled = 0,
            Refunded = 0,
            Deferred = 0,
        };
        await _epochs.SaveAsync(next, Fence, cancellationToken).ConfigureAwait(false);
        _cleared = null;
        LogNextRound(_logger, record.EpochId, next.Round, string.Join(", ", signers.Select(s => $"{s.Key}: [{string.Join(' ', s.Value.Order())}]")));
        return true;
    }

    // The operators (by index) seen attesting each root of the record's round: this node's own root (its own signature
    // and the others' it heard) and every root of that round's manifests it can rebuild, over the digests it computes
    // itself, so only verified signatures count. A manifest it cannot rebuild (yet) adds nobody: its signers stay unseen.
    private async Task<Dictionary<Bytes32, IReadOnlySet<int>>> RoundSignersAsync(EpochRecord record, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var signers = new Dictionary<Bytes32, IReadOnlySet<int>>();
        if (record.Stage == EpochStage.Cleared && record.BatchRoot is { } own && !IsFollowed(record))
        {
            var (_, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
            var counted = await SignersOfAsync(SettlementChunkPlanner.Plan(batch.Legs, _pipeline.LimitsOf), seat, cancellationToken).ConfigureAwait(false);
            counted.Add(seat.OwnIndex);
            signers[own] = counted;
        }

        foreach (var proposal in await seat.Messages.ProposalsAsync(record.EpochId, cancellationToken).ConfigureAwait(false))
        {
            if (proposal.Round != record.Round || signers.ContainsKey(proposal.BatchRoot) || OperatorMessageIntake.ProposalFault(seat, proposal) is not null
                || await RebuildToFollowAsync(proposal, seat, cancellationToken).ConfigureAwait(false) is not { } rebuilt)
            {
                continue;
            }

            signers[proposal.BatchRoot] = await SignersOfAsync(rebuilt.Chunks, seat, cancellationToken).ConfigureAwait(false);
        }

        return signers;
    }

    // Every operator whose verified attestation of any of the chunks this node heard (one root: each honest operator
    // signs the chunks of one root per round).
    private static async Task<HashSet<int>> SignersOfAsync(IReadOnlyList<SettlementChunk> chunks, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var indices = new HashSet<int>();
        foreach (var chunk in chunks)
        {
            var attestor = AttestorOf(chunk, seat);
            var digest = await attestor.DigestAsync(chunk, cancellationToken).ConfigureAwait(false);
            indices.UnionWith((await HeardAttestationsAsync(chunk, digest, attestor, seat, cancellationToken).ConfigureAwait(false)).CountedOperators);
        }

        return indices;
    }

    // The epoch's intents among these that its close took (still in this epoch) go back to the book.
    private async Task ReturnToBookAsync(ulong epochId, Bytes32[] intentIds, CancellationToken cancellationToken)
    {
        var stored = await _intents.GetManyAsync(intentIds, cancellationToken).ConfigureAwait(false);
        IntentTransition[] returned = [.. intentIds.Where((_, i) => stored[i] is { Stage: IntentStage.InEpoch } s && s.EpochId == epochId).Select(id => new IntentTransition(id, IntentStage.Open, null, Deferred: false))];
        await _intents.TransitionAsync(returned, Fence, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "Epoch {EpochId}: no root of its round can reach the threshold (signers by root: {Signers}); it moves to round {Round}")]
    private static partial void LogNextRound(ILogger logger, ulong epochId, uint round, string signers);
}
