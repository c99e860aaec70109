using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// The follow rule of an operator set: a manifest whose root holds a threshold of the other operators' valid
/// attestations on every chunk of its batch is settled by this node too, without its own signature, when this node's
/// own root for the epoch lost (a proposer race) or when it comes back after the close tolerance (a verifier would
/// refuse the manifest then). Its own "epoch k → root" record never changes: it signs no second root. The batch is
/// rebuilt from this node's own records of the listed intents (<see cref="ManifestVerifier.VerifyToFollow"/>) and its
/// chunks are submitted with the others' signatures (or seen applied), so the node reaches the next epoch.
/// </summary>
internal sealed partial class EpochLoop
{
    private const string FollowedTrigger = "followed:";
    private const string FollowedInputBlob = "followed-input";
    private const string FollowedBatchBlob = "followed-batch";

    // Manifests this process will not follow (an intent its store does not hold, a hash or root its rebuild does not
    // give), by content; and the last one it rebuilt, so a manifest still short of a threshold is cleared only once.
    private readonly HashSet<string> _unfollowable = [];
    private (string Fingerprint, AttestedManifest Manifest)? _followCandidate;

    /// <summary>A manifest of another root, rebuilt by this node: its input, its batch and the batch's chunks.</summary>
    private sealed record AttestedManifest(EpochProposed Proposal, EpochInput Input, SettlementBatch Batch, IReadOnlyList<SettlementChunk> Chunks);

    private static bool IsFollowed(EpochRecord record) => record.Trigger?.StartsWith(FollowedTrigger, StringComparison.Ordinal) == true;

    /// <summary>
    /// Open, no decision yet: a manifest of the epoch that already holds a threshold of attestations on every chunk
    /// becomes this node's close decision (trigger <c>followed:{proposer}</c>); it chooses no root and signs nothing.
    /// </summary>
    private async Task<CloseDecision?> FollowAtCloseAsync(EpochRecord record, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (await ThresholdManifestAsync(epochId, null, seat, cancellationToken).ConfigureAwait(false) is not { } attested)
        {
            return null;
        }

        // The record moves to the followed manifest's round (still Open) before the decision is written under it: a
        // crash after the take then finds the decision where it looks (under the record's round), never an Open record of
        // another round whose retry could adopt a manifest of a dead round and leave the taken intents behind.
        var decision = DecisionOf(attested.Proposal, FollowedTrigger);
        if (record.Round != decision.Round)
        {
            await _epochs.SaveAsync(record with { Round = decision.Round }, Fence, cancellationToken).ConfigureAwait(false);
        }

        await _epochs.SaveBlobAsync(epochId, BlobOf(TakeBlob, decision.Round), JsonSerializer.SerializeToUtf8Bytes(decision), Fence, cancellationToken).ConfigureAwait(false);
        LogFollowed(_logger, epochId, attested.Proposal.ProposerId, attested.Proposal.BatchRoot, "none");
        return decision;
    }

    /// <summary>
    /// Cleared under this node's own root, which lacks the threshold: when another root of the epoch holds it on every
    /// chunk, the epoch switches to that root's batch. Its input and batch are kept beside this node's own
    /// (<c>followed-input</c>, <c>followed-batch</c>: written once, the same bytes on a retry), its own intents not in
    /// that batch go back to the book, the batch's intents are taken, and the record names the followed root; each step
    /// is idempotent, so a crash anywhere in between repeats it. True when the epoch switched.
    /// </summary>
    private async Task<bool> FollowAfterLossAsync(EpochRecord record, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (await ThresholdManifestAsync(epochId, record.BatchRoot, seat, cancellationToken).ConfigureAwait(false) is not { } attested)
        {
            return false;
        }

        var (proposal, input, batch) = (attested.Proposal, attested.Input, attested.Batch);
        await _epochs.SaveBlobAsync(epochId, FollowedInputBlob, EpochFileWriter.ToUtf8(input), Fence, cancellationToken).ConfigureAwait(false);
        await _epochs.SaveBlobAsync(epochId, FollowedBatchBlob, BatchFileWriter.ToUtf8(batch), Fence, cancellationToken).ConfigureAwait(false);

        var members = input.Intents.Select(i => i.IntentId).ToHashSet();
        Bytes32[] left = [.. (await LoadInputAsync(record, cancellationToken).ConfigureAwait(false)).Intents.Select(i => i.IntentId).Where(id => !members.Contains(id))];
        await ReturnToBookAsync(epochId, left, cancellationToken).ConfigureAwait(false);
        Bytes32[] listed = [.. members];
        await _intents.TakeOpenAsync(listed, epochId, Fence, cancellationToken).ConfigureAwait(false);
        var taken = await _intents.GetManyAsync(listed, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < listed.Length; i++)
        {
            if (taken[i] is not { Stage: IntentStage.InEpoch } intent || intent.EpochId != epochId)
            {
                LogIntentLeftBeforeTaken(_logger, epochId, listed[i], taken[i]?.Stage);
            }
        }

        var followed = record with
        {
            Trigger = FollowedTrigger + proposal.ProposerId,
            Round = proposal.Round,
            ManifestHash = proposal.ManifestHash,
            BatchRoot = batch.BatchRoot,
            IntentCount = input.Intents.Count,
            Filled = batch.Filled.Count,
            Refunded = batch.Refunded.Count,
            Deferred = batch.Deferred.Count,
        };
        await _epochs.SaveAsync(followed, Fence, cancellationToken).ConfigureAwait(false);
        _cleared = (epochId, input, batch);
        LogFollowed(_logger, epochId, proposal.ProposerId, batch.BatchRoot, record.BatchRoot?.ToString() ?? "none");
        return true;
    }

    /// <summary>
    /// The first manifest of the epoch (in proposer index order), other than one of root <paramref name="exceptRoot"/>,
    /// that this node can rebuild once its own watchers reached its cursors and whose every chunk holds a threshold of
    /// valid attestations over the digest this node computes; null when there is none (yet).
    /// </summary>
    private async Task<AttestedManifest?> ThresholdManifestAsync(ulong epochId, Bytes32? exceptRoot, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var proposals = await seat.Messages.ProposalsAsync(epochId, cancellationToken).ConfigureAwait(false);
        foreach (var proposal in proposals)
        {
            if (proposal.BatchRoot == exceptRoot || OperatorMessageIntake.ProposalFault(seat, proposal) is not null
                || !await AnyChunkHeardFromThresholdAsync(proposal, seat, cancellationToken).ConfigureAwait(false)
                || await RebuildToFollowAsync(proposal, seat, cancellationToken).ConfigureAwait(false) is not { } attested)
            {
                continue;
            }

            if (await OthersHoldThresholdAsync(attested.Chunks, seat, cancellationToken).ConfigureAwait(false))
            {
                return attested;
            }
        }

        return null;
    }

    // Cheap before any rebuild: some first chunk of the manifest's root was attested by a threshold of distinct signers
    // (unchecked here: the rebuilt chunks are checked in full). A batch without chunks gives no such evidence.
    private static async Task<bool> AnyChunkHeardFromThresholdAsync(EpochProposed proposal, OperatorSeat seat, CancellationToken cancellationToken)
    {
        foreach (var chainId in seat.Signers.Keys)
        {
            var heard = await seat.Messages.AttestationsAsync(proposal.EpochId, chainId, 0, cancellationToken).ConfigureAwait(false);
            if (heard.Where(a => a.BatchRoot == proposal.BatchRoot).Select(a => a.Signer).Distinct(StringComparer.Ordinal).Count() >= seat.Threshold)
            {
                return true;
            }
        }

        return false;
    }

    // The manifest's batch as this node rebuilds it from its own records, once its watchers reached the cursors; a
    // manifest it cannot rebuild is logged and not looked at again by this process.
    private async Task<AttestedManifest?> RebuildToFollowAsync(EpochProposed proposal, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var fingerprint = OperatorMessageIntake.Fingerprint(proposal);
        if (_followCandidate is { } cached && cached.Fingerprint == fingerprint)
        {
            return cached.Manifest;
        }

        var cursors = ReadCursors().ToDictionary(c => c.ChainId, c => c.Cursor.Height);
        if (_unfollowable.Contains(fingerprint) || proposal.Cursors?.Any(c => c is null || !cursors.TryGetValue(c.ChainId, out var height) || height < c.Height) != false)
        {
            return null;
        }

        var stored = await _intents.GetManyAsync(proposal.IntentIds ?? [], cancellationToken).ConfigureAwait(false);
        var listed = new Dictionary<Bytes32, StoredIntent>();
        foreach (var intent in stored.OfType<StoredIntent>())
        {
            listed[intent.Observed.Intent.IntentId] = intent;
        }

        var verdict = seat.Verifier.VerifyToFollow(proposal, listed);
        if (verdict.Refusal is { } refusal)
        {
            LogNotFollowed(_logger, proposal.EpochId, proposal.ProposerId ?? string.Empty, refusal.Fault, refusal.Subject, refusal.Proposed, refusal.Observed);
            _unfollowable.Add(fingerprint);
            return null;
        }

        var attested = new AttestedManifest(proposal, verdict.Input!, verdict.Batch!, SettlementChunkPlanner.Plan(verdict.Batch!.Legs, _pipeline.LimitsOf));
        _followCandidate = (fingerprint, attested);
        return attested;
    }

    // A followed epoch counts only the others' attestations over the digest this node computes; it signs nothing.
    private static async Task<bool> OthersHoldThresholdAsync(IReadOnlyList<SettlementChunk> chunks, OperatorSeat seat, CancellationToken cancellationToken)
    {
        foreach (var chunk in chunks)
        {
            var attestor = AttestorOf(chunk, seat);
            var digest = await attestor.DigestAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (!(await HeardAttestationsAsync(chunk, digest, attestor, seat, cancellationToken).ConfigureAwait(false)).HasThreshold)
            {
                return false;
            }
        }

        return true;
    }

    [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "Epoch {EpochId}: follows the manifest of {ProposerId}, root {BatchRoot}, which a threshold of the other operators attested; it does not sign it (its own root: {OwnRoot})")]
    private static partial void LogFollowed(ILogger logger, ulong epochId, string proposerId, Bytes32 batchRoot, string ownRoot);

    [LoggerMessage(EventId = 27, Level = LogLevel.Error, Message = "Epoch {EpochId}: cannot follow the manifest of {ProposerId} ({Fault}): {Subject} is {Proposed} in it, {Observed} here")]
    private static partial void LogNotFollowed(ILogger logger, ulong epochId, string proposerId, ManifestFault fault, string subject, string proposed, string observed);
}
