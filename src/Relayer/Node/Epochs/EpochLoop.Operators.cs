using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// The epoch loop in an operator set of N &gt; 1. Open: the proposer of the epoch (ProposerSchedule) closes on its own
/// decision; every other node waits for a manifest, verifies it against its own store, chains and feed, chooses its
/// root once and adopts it as its own close decision (the same intents are taken out of its own book). Cleared: the
/// proposer publishes its manifest; every node signs each chunk with its own key, publishes the attestation and waits
/// until every chunk holds a threshold of attestations before the epoch is Attested.
/// </summary>
internal sealed partial class EpochLoop
{
    private const string ProposedTrigger = "proposed-by:";

    // Refused manifests by their whole content (not their stated hash: a forged copy stating the real manifest's hash
    // must not make this node pass over the real one).
    private readonly HashSet<string> _refusedManifests = [];

    private readonly Dictionary<ChunkReference, LegAttested> _ownAttestations = [];
    private (ulong EpochId, uint Round, long Since)? _turnClock;
    private readonly long _startedAt;
    private (ulong EpochId, uint Round, Bytes32 ManifestHash) _proposalPublished;
    private ulong _appliedOnChainThrough;
    private (ulong EpochId, Bytes32 Root) _attestationsOf;

    // The epoch and round whose unknown pools at this node's own cursors were logged (event 38 once, not every poll).
    private (ulong EpochId, uint Round)? _poolsUnknownLoggedFor;

    private async Task<CloseDecision?> DecideSharedCloseAsync(EpochRecord record, DateTimeOffset openedAt, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (_options.LastEpoch is { } last && epochId > last)
        {
            return null;
        }

        // What the store holds was checked when it was kept, but a store written before that check (or by another
        // replica) may hold a forged one: it is passed over here (it neither starts the turn clock nor is retried).
        var heard = (await seat.Messages.ProposalsAsync(epochId, cancellationToken).ConfigureAwait(false))
            .Where(p => OperatorMessageIntake.ProposalFault(seat, p) is null)
            .ToList();
        // A manifest (of any round) that already holds a threshold of the others' attestations is followed without
        // signing, before any manifest is adopted and before anything else can return: a node with nothing of its own to
        // close, or one that cannot judge its round's manifests, still reaches the root that settles the epoch.
        if (heard.Count > 0 && await FollowAtCloseAsync(record, seat, cancellationToken).ConfigureAwait(false) is { } followed)
        {
            return followed;
        }

        // Others moved on to a later round, which this node joins once it proves this round can give no root (it chose
        // none: it took nothing).
        if (heard.Any(p => p.Round > record.Round) && await TryNextRoundAsync(record, seat, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // Rounds: only this round's manifests are judged or hold this node's turn; the turns of round r start at
        // index (k + r) mod N.
        var proposals = heard.Where(p => p.Round == record.Round).ToList();
        var turns = epochId + record.Round;
        var own = await DecideCloseAsync(record, openedAt, persist: false, cancellationToken).ConfigureAwait(false) is { } decided ? decided with { Round = record.Round } : null;
        // The turns count from when this node first had something to close, or first heard a manifest whose cursors its
        // watchers reached, for the epoch (one no watcher reaches, published ahead of its turn, must not start the turns
        // early: the epoch's first proposer would lose its turn before its trigger is due).
        if (own is null && !proposals.Any(p => CursorAhead(p) is null))
        {
            return null;
        }

        var waited = TurnClock(epochId, record.Round);
        // An epoch the escrows already applied (the others settled it while this node was away) is never adopted, so
        // never signed: its pools and close time can no longer be checked against this node's own view, and signing an
        // unchecked manifest could bring a second root to the threshold (a lying operator's, for chunks the settled root
        // has not applied yet). Such an epoch is only followed, on the others' threshold, without signing.
        if (!await AppliedOnChainAsync(epochId, cancellationToken).ConfigureAwait(false))
        {
            foreach (var proposal in proposals)
            {
                if (proposal.ProposerIndex != seat.OwnIndex
                    && ProposerSchedule.MayPropose(turns, proposal.ProposerIndex, seat.Count, waited, seat.ProposalTimeout)
                    && await AdoptOrRefuseAsync(record, proposal, seat, waited, cancellationToken).ConfigureAwait(false) is { } adopted)
                {
                    return adopted;
                }
            }
        }

        if (own is null || ProposerSchedule.ProposerOf(turns, seat.Count, waited, seat.ProposalTimeout) != seat.OwnIndex)
        {
            return null;
        }

        // A node that just started listens for one proposal timeout before it proposes: its queue may still hold the
        // manifests the others published while it was down (its turn clock restarted with the process).
        if (_time.GetElapsedTime(_startedAt) < seat.ProposalTimeout)
        {
            return null;
        }

        // Another operator's manifest this node has not judged yet (its turn has not come by this node's clock, which
        // started late after a restart or a pause, or this node's watchers are behind its cursors): this node waits to
        // judge it rather than propose a rival batch that would split the verifiers' one root per epoch. Not for one
        // whose turn has not come and whose cursors its watchers have not reached either: it could not be judged at its
        // turn anyway, and a manifest published ahead of its turn must not hold this node's own turn.
        if (proposals.Any(p => p.ProposerIndex != seat.OwnIndex && !_refusedManifests.Contains(OperatorMessageIntake.Fingerprint(p))
            && (ProposerSchedule.MayPropose(turns, p.ProposerIndex, seat.Count, waited, seat.ProposalTimeout) || CursorAhead(p) is null)))
        {
            return null;
        }

        // Never a second batch for an epoch the escrows already applied: this node waits for the manifest that settled it.
        if (await AppliedOnChainAsync(epochId, cancellationToken).ConfigureAwait(false))
        {
            LogNotProposingApplied(_logger, epochId, _appliedOnChainThrough);
            return null;
        }

        // Read on chain only now that this node persists the decision, not at every poll while it waits its turn.
        own = await KeepStillOpenOnChainAsync(epochId, own, cancellationToken).ConfigureAwait(false);
        if (own is null)
        {
            return null;
        }

        // Its pools are read as of its cursors: those must be past every pool change the chains already made final
        // (the previous epoch's legs among them), or its batch would spend balances the pools no longer hold. Until
        // its watchers catch up it waits.
        if (!(await PoolsForClearingAsync(epochId, null, cancellationToken).ConfigureAwait(false)).SequenceEqual(own.Pools))
        {
            LogPoolsAheadOfCursors(_logger, epochId);
            return null;
        }

        // Published before anything is persisted: a proposer that cannot reach the exchange (the publish throws, or the
        // broker does not confirm it) commits to nothing (no decision, no intent taken, no root chosen) and tries again
        // at its next step while its turn lasts; after that it judges the manifest of whoever proposed instead. Several
        // nodes taking their turns on their own clocks through an outage would otherwise each choose a root of its own.
        var stored = await _intents.GetManyAsync(own.IntentIds, cancellationToken).ConfigureAwait(false);
        var input = InputOf(epochId, own, [.. stored.OfType<StoredIntent>().Select(s => s.Observed.Intent)]);
        LogProposing(_logger, epochId, seat.OwnIndex, waited);
        if (!await PublishOwnManifestAsync(input, EpochRounds.Clear(input, own.Round), own, seat, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        // A publish that returned after this node's turn ended (the broker confirmed late) commits to nothing: the
        // next proposer may have published meanwhile, and this node judges the manifests like any verifier.
        if (ProposerSchedule.ProposerOf(turns, seat.Count, TurnClock(epochId, record.Round), seat.ProposalTimeout) != seat.OwnIndex)
        {
            LogTurnEndedWhilePublishing(_logger, epochId, seat.OwnIndex);
            return null;
        }

        await _epochs.SaveBlobAsync(epochId, BlobOf(TakeBlob, own.Round), JsonSerializer.SerializeToUtf8Bytes(own), Fence, cancellationToken).ConfigureAwait(false);
        return own;
    }

    // Whether an escrow already applied epoch epochId (so the other operators settled it); a yes is kept, it never changes.
    private async Task<bool> AppliedOnChainAsync(ulong epochId, CancellationToken cancellationToken)
    {
        if (_appliedOnChainThrough < epochId)
        {
            var highest = await Task.WhenAll(_chains.Select(c => c.Escrow.HighestAppliedEpochAsync(cancellationToken))).ConfigureAwait(false);
            _appliedOnChainThrough = Math.Max(_appliedOnChainThrough, highest.Length == 0 ? 0 : highest.Max());
        }

        return _appliedOnChainThrough >= epochId;
    }

    private TimeSpan TurnClock(ulong epochId, uint round)
    {
        if (_turnClock is { } clock && clock.EpochId == epochId && clock.Round == round)
        {
            return _time.GetElapsedTime(clock.Since);
        }

        _turnClock = (epochId, round, _time.GetTimestamp());
        return TimeSpan.Zero;
    }

    // A manifest whose data this node's code rejects (beyond what the verifier names) is refused like any other: one
    // bad message must never stop the loop. Store and bus failures still propagate (the step is retried).
    private async Task<CloseDecision?> AdoptOrRefuseAsync(EpochRecord record, EpochProposed proposal, OperatorSeat seat, TimeSpan waited, CancellationToken cancellationToken)
    {
        try
        {
            return await AdoptAsync(record, proposal, seat, waited, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or KeyNotFoundException or OverflowException or FormatException)
        {
            LogRefused(_logger, record.EpochId, proposal.ProposerId ?? string.Empty, ManifestFault.MalformedManifest, "manifest", error.GetType().Name, error.Message);
            _refusedManifests.Add(OperatorMessageIntake.Fingerprint(proposal));
            return null;
        }
    }

    // The verifier: the manifest against this node's own view; on acceptance the root is chosen (SET NX) before
    // anything is taken or signed, and the manifest becomes this node's persisted close decision.
    private async Task<CloseDecision?> AdoptAsync(EpochRecord record, EpochProposed proposal, OperatorSeat seat, TimeSpan waited, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        // A refused manifest is not looked at again (it may still be followed on the others' threshold).
        var fingerprint = OperatorMessageIntake.Fingerprint(proposal);
        if (_refusedManifests.Contains(fingerprint))
        {
            return null;
        }

        // Its intents can only be judged once this node's own watchers have reached the manifest's cursors. A cursor on
        // a chain this node does not settle is never reached; one still ahead of the watchers a full proposal timeout
        // after its proposer's turn came may be a height no chain reaches: either is refused, so the next turn goes on.
        if (CursorAhead(proposal) is { } ahead)
        {
            if (ahead.Reached is not null && !ProposerSchedule.TurnEnded(epochId + proposal.Round, proposal.ProposerIndex, seat.Count, waited, seat.ProposalTimeout))
            {
                return null;
            }

            await RefuseAsync(seat.Verifier.UnreachableCursor(proposal, ahead.Cursor, ahead.Reached ?? "a chain this node does not settle"), proposal, fingerprint, seat, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var prices = await ReadPricesAsync(epochId, cancellationToken).ConfigureAwait(false);
        if (prices is null)
        {
            return null;
        }

        var listed = new Dictionary<Bytes32, StoredIntent>();
        foreach (var intentId in proposal.IntentIds)
        {
            if (await _intents.GetAsync(intentId, cancellationToken).ConfigureAwait(false) is { } stored)
            {
                listed[intentId] = stored;
            }
        }

        var previous = epochId > 1 ? await _epochs.GetAsync(epochId - 1, cancellationToken).ConfigureAwait(false) : null;
        var refusal = await PoolsAtCursorsAsync(epochId, proposal, seat, cancellationToken).ConfigureAwait(false) switch
        {
            (_, { } unknown) => unknown,
            (var pools, _) => seat.Verifier.Verify(proposal, new VerifierView(
                listed, await _intents.OpenAsync(cancellationToken).ConfigureAwait(false), pools!, prices,
                (ulong)_time.GetUtcNow().ToUnixTimeSeconds(), previous?.ClosesAt)).Refusal,
        };
        if (refusal is null)
        {
            var chosen = await _epochs.ChooseRootOnceAsync(epochId, proposal.Round, proposal.BatchRoot, cancellationToken).ConfigureAwait(false);
            if (chosen != proposal.BatchRoot)
            {
                refusal = seat.Verifier.AlreadyChosen(proposal, chosen);
            }
        }

        if (refusal is not null)
        {
            await RefuseAsync(refusal, proposal, fingerprint, seat, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var decision = DecisionOf(proposal, ProposedTrigger);
        await _epochs.SaveBlobAsync(epochId, BlobOf(TakeBlob, decision.Round), JsonSerializer.SerializeToUtf8Bytes(decision), Fence, cancellationToken).ConfigureAwait(false);
        LogAdopted(_logger, epochId, proposal.ProposerId, proposal.BatchRoot);
        return decision;
    }

    // Logs and publishes why the manifest is refused; this process does not judge it again.
    private async Task RefuseAsync(ManifestRefused refusal, EpochProposed proposal, string fingerprint, OperatorSeat seat, CancellationToken cancellationToken)
    {
        LogRefused(_logger, refusal.EpochId, proposal.ProposerId, refusal.Fault, refusal.Subject, refusal.Proposed, refusal.Observed);
        await seat.Publisher.PublishAsync(refusal, cancellationToken).ConfigureAwait(false);
        _refusedManifests.Add(fingerprint);
    }

    // The first cursor of the manifest this node's watchers have not reached, with the height they reached on that
    // chain (text; "none yet" before its watcher's first batch; null for a chain this node does not settle), or null.
    private (ProposedCursor Cursor, string? Reached)? CursorAhead(EpochProposed proposal)
    {
        if (proposal.Cursors.FirstOrDefault(c => !_chains.Any(n => n.ChainId == c.ChainId)) is { } foreign)
        {
            return (foreign, null);
        }

        var reached = ReadCursors().ToDictionary(c => c.ChainId, c => c.Cursor.Height);
        return proposal.Cursors.FirstOrDefault(c => !reached.TryGetValue(c.ChainId, out var height) || height < c.Height) is { } ahead
            ? (ahead, reached.TryGetValue(ahead.ChainId, out var own) ? own.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none yet")
            : null;
    }

    // The pools as of the manifest's cursors (the figures the proposer read, however late this node verifies), or
    // the refusal when a chain cannot tell them any more.
    private async Task<(PoolBalance[]? Pools, ManifestRefused? Unknown)> PoolsAtCursorsAsync(ulong epochId, EpochProposed proposal, OperatorSeat seat, CancellationToken cancellationToken)
    {
        try
        {
            return (await PoolsForClearingAsync(epochId, proposal.Cursors.ToDictionary(c => c.ChainId, c => new ChainCursor(c.Height, c.Hash)), cancellationToken).ConfigureAwait(false), null);
        }
        catch (PoolNotAtCursorException unknown)
        {
            return (null, seat.Verifier.PoolUnknownAtCursor(proposal, unknown.Message));
        }
    }

    // A manifest as this node's close decision, its trigger naming how it came (adopted or followed) and its proposer.
    private static CloseDecision DecisionOf(EpochProposed proposal, string trigger) =>
        new(
            trigger + proposal.ProposerId,
            proposal.ClosesAt,
            proposal.FeeBps,
            proposal.SpreadBps,
            proposal.SettlementMarginSeconds,
            [.. proposal.Prices.Select(p => new ReferencePrice(p.AssetId, p.Price, p.Source, DateTimeOffset.FromUnixTimeMilliseconds(p.ObservedAtUnixMilliseconds)))],
            [.. proposal.Pools.Select(p => new PoolBalance(p.ChainId, p.Token, p.Balance))],
            [.. proposal.Cursors.Select(c => new DecidedCursor(c.ChainId, c.Height, c.Hash))],
            [.. proposal.IntentIds],
            proposal.Round);

    // A proposer's manifest is out before its root is chosen: published when the decision was made, and again here if
    // this process has not published the manifest of the input it took (a restart, or an intent retracted before the
    // take: then the input differs). A publish that fails leaves the epoch Closed, its root unchosen, and is retried.
    private async Task<bool> PublishBeforeChoosingAsync(EpochRecord record, EpochInput input, SettlementBatch batch, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (IsFollowed(record) || record.Trigger?.StartsWith(ProposedTrigger, StringComparison.Ordinal) == true || _proposalPublished == (epochId, record.Round, record.ManifestHash ?? default))
        {
            return true;
        }

        var decision = JsonSerializer.Deserialize<CloseDecision>(await _epochs.GetBlobAsync(epochId, BlobOf(TakeBlob, record.Round), cancellationToken).ConfigureAwait(false)
            ?? throw new EpochIntegrityException($"Epoch {epochId} is past Open but its close decision is missing."))
            ?? throw new EpochIntegrityException($"Epoch {epochId} has an empty close decision.");
        return await PublishOwnManifestAsync(input, batch, decision, seat, cancellationToken).ConfigureAwait(false);
    }

    // False when the broker did not confirm within the bound (BoundedPublish): the caller commits to nothing and the
    // step is tried again. A publish that throws (the exchange refused it) fails the step the same way.
    private async Task<bool> PublishOwnManifestAsync(EpochInput input, SettlementBatch batch, CloseDecision decision, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var proposal = seat.Manifests.Sign(EpochProposals.Create(seat.OwnIndex, seat.OwnId, input, batch, decision.Prices, [.. decision.Cursors.Select(c => (c.ChainId, new ChainCursor(c.Height, c.Hash)))], decision.Round));
        var bound = BoundedPublish.BoundOf(seat.ProposalTimeout);
        if (!await BoundedPublish.PublishAsync(seat.Publisher, proposal, bound, _time, cancellationToken).ConfigureAwait(false))
        {
            LogPublishUnconfirmed(_logger, input.EpochId, bound);
            return false;
        }

        _proposalPublished = (input.EpochId, proposal.Round, proposal.ManifestHash);
        LogProposed(_logger, input.EpochId, proposal.ManifestHash, proposal.BatchRoot);
        return true;
    }

    // True once every chunk holds a threshold of attestations (this node's own included) over the digest it signed.
    private async Task<bool> CollectAttestationsAsync(EpochRecord record, IReadOnlyList<SettlementChunk> chunks, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var epochId = record.EpochId;
        if (IsFollowed(record))
        {
            return await OthersHoldThresholdAsync(chunks, seat, cancellationToken).ConfigureAwait(false);
        }

        if (_attestationsOf != (epochId, record.BatchRoot ?? default))
        {
            _ownAttestations.Clear();
            _attestationsOf = (epochId, record.BatchRoot ?? default);
        }

        var missing = 0;
        foreach (var chunk in chunks)
        {
            var attestor = AttestorOf(chunk, seat);
            if (!_ownAttestations.TryGetValue(chunk.Reference, out var own))
            {
                own = await KeepOwnAsync(chunk, await attestor.AttestAsync(chunk, cancellationToken).ConfigureAwait(false), seat, cancellationToken).ConfigureAwait(false);
                LogAttested(_logger, epochId, chunk.ChainId, chunk.Index, own.SignerSetVersion, own.Digest);
            }

            if (!await HasThresholdAsync(chunk, own, attestor, seat, cancellationToken).ConfigureAwait(false))
            {
                // Below the threshold: sign again if what the escrow needs signed changed (a signer-set rotation
                // moves the digest), so that this operator's signature counts under the new version.
                var again = await attestor.AttestAsync(chunk, cancellationToken).ConfigureAwait(false);
                if (again.Digest != own.Digest)
                {
                    LogReattested(_logger, epochId, chunk.ChainId, chunk.Index, again.SignerSetVersion);
                    await KeepOwnAsync(chunk, again, seat, cancellationToken).ConfigureAwait(false);
                }

                missing++;
            }
        }

        if (missing > 0)
        {
            LogAwaitingAttestations(_logger, epochId, missing, chunks.Count);
            return false;
        }

        return true;
    }

    // Keeps this node's own signature of the chunk, publishes it and remembers it as its own.
    private async Task<LegAttested> KeepOwnAsync(SettlementChunk chunk, LegAttested own, OperatorSeat seat, CancellationToken cancellationToken)
    {
        await seat.Messages.SaveAttestationAsync(own, cancellationToken).ConfigureAwait(false);
        await seat.Publisher.PublishAsync(own, cancellationToken).ConfigureAwait(false);
        _ownAttestations[chunk.Reference] = own;
        return own;
    }

    // This node's own attestation counts directly; the others' come from the store (each checked again here).
    private static async Task<bool> HasThresholdAsync(SettlementChunk chunk, LegAttested own, IChunkAttestor attestor, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var collected = await HeardAttestationsAsync(chunk, own.Digest, attestor, seat, cancellationToken).ConfigureAwait(false);
        collected.Add(own);
        return collected.HasThreshold;
    }

    // The attestations of the chunk this node heard, counted over the digest (each checked again here).
    private static async Task<ChunkAttestations> HeardAttestationsAsync(SettlementChunk chunk, Bytes32 digest, IChunkAttestor attestor, OperatorSeat seat, CancellationToken cancellationToken)
    {
        var collected = new ChunkAttestations(chunk.EpochId, chunk.ChainId, chunk.Index, chunk.BatchRoot, digest, seat.Signers[chunk.ChainId], seat.Threshold, attestor.Verifies);
        foreach (var heard in await seat.Messages.AttestationsAsync(chunk.EpochId, chunk.ChainId, chunk.Index, cancellationToken).ConfigureAwait(false))
        {
            collected.Add(heard);
        }

        return collected;
    }

    private static IChunkAttestor AttestorOf(SettlementChunk chunk, OperatorSeat seat) =>
        seat.Attestors.TryGetValue(chunk.ChainId, out var found)
            ? found
            : throw new EpochIntegrityException($"Epoch {chunk.EpochId} has a chunk on chain {chunk.ChainId}, where this operator has no attestor.");

    [LoggerMessage(EventId = 36, Level = LogLevel.Information, Message = "Epoch {EpochId}: chunk {Chunk} on chain {ChainId} signed under signer-set version {SignerSetVersion}, digest {Digest}")]
    private static partial void LogAttested(ILogger logger, ulong epochId, ChainId chainId, uint chunk, ulong signerSetVersion, Bytes32 digest);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "Epoch {EpochId}: chunk {Chunk} on chain {ChainId} signed again under signer-set version {SignerSetVersion} (its digest changed)")]
    private static partial void LogReattested(ILogger logger, ulong epochId, ChainId chainId, uint chunk, ulong signerSetVersion);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Epoch {EpochId}: operator {OwnIndex} proposes after waiting {Waited}")]
    private static partial void LogProposing(ILogger logger, ulong epochId, int ownIndex, TimeSpan waited);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Epoch {EpochId}: manifest {ManifestHash} published, root {BatchRoot}")]
    private static partial void LogProposed(ILogger logger, ulong epochId, Bytes32 manifestHash, Bytes32 batchRoot);

    [LoggerMessage(EventId = 22, Level = LogLevel.Information, Message = "Epoch {EpochId}: adopted the manifest of {ProposerId}, root {BatchRoot}")]
    private static partial void LogAdopted(ILogger logger, ulong epochId, string proposerId, Bytes32 batchRoot);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "Epoch {EpochId}: refused the manifest of {ProposerId} ({Fault}): {Subject} is {Proposed} in it, {Observed} here")]
    private static partial void LogRefused(ILogger logger, ulong epochId, string proposerId, ManifestFault fault, string subject, string proposed, string observed);

    [LoggerMessage(EventId = 29, Level = LogLevel.Information, Message = "Epoch {EpochId}: the pools as of this node's cursors differ from the final ones now; it proposes once its watchers catch up")]
    private static partial void LogPoolsAheadOfCursors(ILogger logger, ulong epochId);

    [LoggerMessage(EventId = 28, Level = LogLevel.Information, Message = "Epoch {EpochId}: the escrows already applied epochs up to {AppliedThrough}, so this node does not propose it; it follows the manifest that settled it")]
    private static partial void LogNotProposingApplied(ILogger logger, ulong epochId, ulong appliedThrough);

    [LoggerMessage(EventId = 32, Level = LogLevel.Warning, Message = "Epoch {EpochId}: the broker did not confirm this node's manifest within {Bound}; nothing is committed, the publish is tried again while this node's turn lasts")]
    private static partial void LogPublishUnconfirmed(ILogger logger, ulong epochId, TimeSpan bound);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Epoch {EpochId}: operator {OwnIndex}'s turn ended while its manifest was being published; it commits to nothing and judges the manifests of the epoch")]
    private static partial void LogTurnEndedWhilePublishing(ILogger logger, ulong epochId, int ownIndex);

    [LoggerMessage(EventId = 24, Level = LogLevel.Debug, Message = "Epoch {EpochId}: {Missing} of {Chunks} chunks below the attestation threshold")]
    private static partial void LogAwaitingAttestations(ILogger logger, ulong epochId, int missing, int chunks);
}
