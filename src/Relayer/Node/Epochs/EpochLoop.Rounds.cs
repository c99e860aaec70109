using DiscreteExec.Core;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core.Messages;
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
        var proof = new List<LegAttested>();
        var signers = await RoundSignersAsync(record, seat, proof, cancellationToken).ConfigureAwait(false);
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
        await RepublishProofAsync(record.EpochId, proof, seat, cancellationToken).ConfigureAwait(false);
        return true;
    }

    // The attestations that proved the move, published again (each is its signer's own signature, which every node
    // checks at intake): an operator that missed some of them (one delivered only to some nodes, or a store that lost
    // them) learns the same proof and moves too, instead of staying in the old round while the others settle the next
    // one without it. Each publish is bounded like a manifest's; one the broker does not confirm is left to the others'
    // republishing (every node that moves republishes what it counted).
    private async Task RepublishProofAsync(ulong epochId, IReadOnlyList<LegAttested> proof, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var bound = BoundedPublish.BoundOf(seat.ProposalTimeout);
        var published = 0;
        foreach (var attestation in proof.DistinctBy(a => (a.Signer, a.ChainId, a.Chunk, a.Digest)))
        {
            if (!await BoundedPublish.PublishAsync(seat.Publisher, attestation, bound, _time, cancellationToken).ConfigureAwait(false))
            {
                break;
            }

            published++;
        }

        LogProofRepublished(_logger, epochId, published, proof.Count);
    }

    // The operators (by index) seen attesting each root of the record's round: this node's own root (its own signature
    // and the others' it heard) and every root of that round's manifests it can rebuild, over the digests it computes
    // itself, so only verified signatures count. A manifest it cannot rebuild (yet) adds nobody: its signers stay unseen.
    private async Task<Dictionary<Bytes32, IReadOnlySet<int>>> RoundSignersAsync(EpochRecord record, OperatorSeat seat, List<LegAttested> proof, CancellationToken cancellationToken)
    {
        var signers = new Dictionary<Bytes32, IReadOnlySet<int>>();
        if (record.Stage == EpochStage.Cleared && record.BatchRoot is { } own && !IsFollowed(record))
        {
            var (_, batch) = await ClearedBatchAsync(record, cancellationToken).ConfigureAwait(false);
            var counted = await SignersOfAsync(SettlementChunkPlanner.Plan(batch.Legs, _pipeline.LimitsOf), seat, proof, cancellationToken).ConfigureAwait(false);
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

            signers[proposal.BatchRoot] = await SignersOfAsync(rebuilt.Chunks, seat, proof, cancellationToken).ConfigureAwait(false);
        }

        return signers;
    }

    // Every operator whose verified attestation of any of the chunks this node heard (one root: each honest operator
    // signs the chunks of one root per round); the attestations counted go into proof.
    private static async Task<HashSet<int>> SignersOfAsync(IReadOnlyList<SettlementChunk> chunks, OperatorSeat seat, List<LegAttested> proof, CancellationToken cancellationToken)
    {
        var indices = new HashSet<int>();
        foreach (var chunk in chunks)
        {
            var attestor = AttestorOf(chunk, seat);
            var digest = await attestor.DigestAsync(chunk, cancellationToken).ConfigureAwait(false);
            var heard = await HeardAttestationsAsync(chunk, digest, attestor, seat, cancellationToken).ConfigureAwait(false);
            indices.UnionWith(heard.CountedOperators);
            proof.AddRange(heard.Counted);
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

    [LoggerMessage(EventId = 35, Level = LogLevel.Information, Message = "Epoch {EpochId}: republished {Published} of the {Proof} attestations that proved its move to the next round")]
    private static partial void LogProofRepublished(ILogger logger, ulong epochId, int published, int proof);

    [LoggerMessage(EventId = 34, Level = LogLevel.Warning, Message = "Epoch {EpochId}: no root of its round can reach the threshold (signers by root: {Signers}); it moves to round {Round}")]
    private static partial void LogNextRound(ILogger logger, ulong epochId, uint round, string signers);
}
