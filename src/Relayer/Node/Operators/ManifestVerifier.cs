using System.Globalization;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// A verifier's own view of the world when a manifest arrives: its store's record of every listed intent and of its
/// own open book, the pools its own chains report (capped by its own margin caps), its own feed's prices, its own
/// clock (unix seconds, read by the caller) and the close time of the previous epoch it settled (none for the first).
/// An epoch an escrow already applied is never verified to be signed (the epoch loop only follows it: see
/// <see cref="ManifestVerifier.VerifyToFollow"/>).
/// </summary>
internal sealed record VerifierView(
    IReadOnlyDictionary<Bytes32, StoredIntent> Listed,
    IReadOnlyList<StoredIntent> OpenBook,
    IReadOnlyList<PoolBalance> Pools,
    IReadOnlyList<ReferencePrice> Prices,
    ulong NowUnixSeconds,
    ulong? PreviousClosesAt);

/// <summary>
/// The terms a verifier holds a manifest to: its own fee, spread and settlement margin (a manifest must state the
/// same), and how far the manifest's close time may be from its own clock.
/// </summary>
internal sealed record ManifestTerms(uint FeeBps, uint SpreadBps, ulong SettlementMarginSeconds, TimeSpan ClosesAtTolerance);

/// <summary>A verifier's answer to a manifest: the input and batch it recomputed (sign them), or why it refuses.</summary>
internal sealed record ManifestVerdict(EpochInput? Input, SettlementBatch? Batch, ManifestRefused? Refusal)
{
    public bool Accepted => Refusal is null;
}

/// <summary>
/// The verifier rule over one manifest (pure: no I/O, no clock). It accepts only when every listed intent is open and
/// final in its own view (its id is the hash of its parameters, so the same id is the same parameters), no intent
/// final at or before the cursors is missing, every pool equals its own, every price is within the tolerance of its
/// own feed, the manifest's hash is the hash of the manifest it rebuilds, and its own clearing gives the same root.
/// Its fee, spread and margin must be the verifier's own, its close time within the tolerance of the verifier's clock
/// and after the previous epoch's. The first difference found is the refusal, naming the intent, pool, price or term
/// with both values. It never throws on a manifest: a malformed one (a null list or entry, a repeated chain, asset,
/// intent or pool) is refused as <see cref="ManifestFault.MalformedManifest"/>.
/// </summary>
internal sealed class ManifestVerifier(string verifierId, IReadOnlyList<Asset> assets, uint priceToleranceBps, ManifestTerms terms)
{
    public ManifestVerdict Verify(EpochProposed manifest, VerifierView view)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(view);
        if (Malformation(manifest) is { } malformed)
        {
            return Refuse(manifest, (ManifestFault.MalformedManifest, malformed.Subject, malformed.Proposed, string.Empty));
        }

        try
        {
            return VerifyWellFormed(manifest, view);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or KeyNotFoundException or OverflowException or FormatException)
        {
            // A last line: whatever a crafted manifest makes the rebuild or the clearing reject is a refusal, never a retry.
            return Refuse(manifest, (ManifestFault.MalformedManifest, "manifest", error.GetType().Name, error.Message));
        }
    }

    /// <summary>The first structural defect of a manifest (what a verifier cannot even compare), or none.</summary>
    internal static (string Subject, string Proposed)? Malformation(EpochProposed manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.Cursors is null || manifest.Prices is null || manifest.IntentIds is null || manifest.Pools is null || manifest.ProposerId is null)
        {
            return ("manifest", "a null list or proposer id");
        }

        if (manifest.Cursors.Any(c => c is null || c.Hash is null) || manifest.Prices.Any(p => p is null || p.AssetId is null || p.Source is null) || manifest.Pools.Any(p => p is null))
        {
            return ("manifest", "a null entry");
        }

        return FirstRepeated(manifest.Cursors.Select(c => c.ChainId.ToString()), "cursor")
            ?? FirstRepeated(manifest.Prices.Select(p => p.AssetId), "price")
            ?? FirstRepeated(manifest.IntentIds.Select(i => i.ToString()), "intent")
            ?? FirstRepeated(manifest.Pools.Select(p => $"{p.ChainId}/{p.Token}"), "pool");
    }

    private static (string Subject, string Proposed)? FirstRepeated(IEnumerable<string> keys, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            if (!seen.Add(key))
            {
                return (key, $"a repeated {what}");
            }
        }

        return null;
    }

    private ManifestVerdict VerifyWellFormed(EpochProposed manifest, VerifierView view)
    {
        var cursors = manifest.Cursors.ToDictionary(c => c.ChainId);
        var fault = CheckTerms(manifest, view) ?? CheckIntents(manifest, view, cursors) ?? CheckPools(manifest, view) ?? CheckPrices(manifest, view);
        if (fault is not null)
        {
            return Refuse(manifest, fault.Value);
        }

        return Rebuild(manifest, view.Listed);
    }

    /// <summary>
    /// The check of a manifest this node follows without signing it, because a threshold of the other operators
    /// attested its root (a node whose own root lost, or one that comes back after the close tolerance). What depends
    /// on the moment (close time, pools, prices, the book's other intents) is what those operators checked when they
    /// signed, and it has moved on since; what this node still requires is what never changes: every listed intent is
    /// one its own store holds open (or in this very epoch, taken by its own root), the manifest hash is the hash of
    /// the manifest it rebuilds from its own records of those intents, and its own clearing gives the stated root. So
    /// nothing it submits releases or pays an intent it does not know.
    /// </summary>
    public ManifestVerdict VerifyToFollow(EpochProposed manifest, IReadOnlyDictionary<Bytes32, StoredIntent> listed)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(listed);
        if (Malformation(manifest) is { } malformed)
        {
            return Refuse(manifest, (ManifestFault.MalformedManifest, malformed.Subject, malformed.Proposed, string.Empty));
        }

        foreach (var id in manifest.IntentIds)
        {
            if (!listed.TryGetValue(id, out var stored) || !IsOpenFor(stored, manifest.EpochId))
            {
                return Refuse(manifest, (ManifestFault.UnknownIntent, id.ToString(), "open", stored is null ? string.Empty : stored.Stage.ToString()));
            }
        }

        try
        {
            return Rebuild(manifest, listed);
        }
        catch (Exception error) when (error is ArgumentException or InvalidOperationException or KeyNotFoundException or OverflowException or FormatException)
        {
            return Refuse(manifest, (ManifestFault.MalformedManifest, "manifest", error.GetType().Name, error.Message));
        }
    }

    // The input the manifest states, rebuilt from this node's records of its intents: accepted when its hash and its
    // clearing's root are the manifest's.
    private ManifestVerdict Rebuild(EpochProposed manifest, IReadOnlyDictionary<Bytes32, StoredIntent> listed)
    {
        var prices = manifest.Prices.ToDictionary(p => p.AssetId, StringComparer.Ordinal);
        var input = new EpochInput
        {
            EpochId = manifest.EpochId,
            ClosesAt = manifest.ClosesAt,
            SettlementMarginSeconds = manifest.SettlementMarginSeconds,
            FeeBps = manifest.FeeBps,
            SpreadBps = manifest.SpreadBps,
            Assets = [.. assets.Select(a => a with { ReferencePrice = prices[a.Id].Price })],
            Pools = [.. manifest.Pools.Select(p => new PoolBalance(p.ChainId, p.Token, p.Balance))],
            Intents = [.. manifest.IntentIds.Select(id => listed[id].Observed.Intent)],
        };
        var rebuilt = EpochManifest.Hash(EpochManifest.ToUtf8(
            input,
            [.. manifest.Prices.Select(p => new ReferencePrice(p.AssetId, p.Price, p.Source, DateTimeOffset.FromUnixTimeMilliseconds(p.ObservedAtUnixMilliseconds)))],
            [.. manifest.Cursors.Select(c => (c.ChainId, new ChainCursor(c.Height, c.Hash)))]));
        if (rebuilt != manifest.ManifestHash)
        {
            return Refuse(manifest, (ManifestFault.ManifestHashMismatch, "manifest", manifest.ManifestHash.ToString(), rebuilt.ToString()));
        }

        var batch = EpochRounds.Clear(input, manifest.Round);
        return batch.BatchRoot == manifest.BatchRoot
            ? new ManifestVerdict(input, batch, null)
            : Refuse(manifest, (ManifestFault.BatchRootMismatch, "batchRoot", manifest.BatchRoot.ToString(), batch.BatchRoot.ToString()));
    }

    /// <summary>The refusal a verifier publishes when it cannot read a pool as of the manifest's cursors (<paramref name="reason"/>).</summary>
    public ManifestRefused PoolUnknownAtCursor(EpochProposed manifest, string reason) =>
        Refusal(manifest, (ManifestFault.PoolUnknownAtCursor, "pools", string.Empty, reason));

    /// <summary>The refusal a verifier publishes when it already chose another root for the epoch (it never signs a second one).</summary>
    public ManifestRefused AlreadyChosen(EpochProposed manifest, Bytes32 chosen) =>
        Refusal(manifest, (ManifestFault.RootAlreadyChosen, "batchRoot", manifest.BatchRoot.ToString(), chosen.ToString()));

    /// <summary>The refusal of a manifest whose cursor this node's watchers cannot reach (<paramref name="observed"/>: where they are, or why never).</summary>
    public ManifestRefused UnreachableCursor(EpochProposed manifest, ProposedCursor cursor, string observed) =>
        Refusal(manifest, (ManifestFault.CursorUnreachable, $"cursor/{cursor.ChainId}", Text(cursor.Height), observed));

    private (ManifestFault, string, string, string)? CheckTerms(EpochProposed manifest, VerifierView view)
    {
        if (manifest.FeeBps != terms.FeeBps)
        {
            return (ManifestFault.TermsMismatch, "feeBps", Text(manifest.FeeBps), Text(terms.FeeBps));
        }

        if (manifest.SpreadBps != terms.SpreadBps)
        {
            return (ManifestFault.TermsMismatch, "spreadBps", Text(manifest.SpreadBps), Text(terms.SpreadBps));
        }

        if (manifest.SettlementMarginSeconds != terms.SettlementMarginSeconds)
        {
            return (ManifestFault.TermsMismatch, "settlementMarginSeconds", Text(manifest.SettlementMarginSeconds), Text(terms.SettlementMarginSeconds));
        }

        // A close time far from this node's clock is refused (a node back from an outage follows instead).
        var tolerance = (ulong)terms.ClosesAtTolerance.TotalSeconds;
        var distance = manifest.ClosesAt > view.NowUnixSeconds ? manifest.ClosesAt - view.NowUnixSeconds : view.NowUnixSeconds - manifest.ClosesAt;
        if (distance > tolerance)
        {
            return (ManifestFault.ClosesAtOutOfRange, "closesAt", Text(manifest.ClosesAt), $"{Text(view.NowUnixSeconds)} ±{Text(tolerance)}");
        }

        return view.PreviousClosesAt is { } previous && manifest.ClosesAt <= previous
            ? (ManifestFault.ClosesAtOutOfRange, "closesAt", Text(manifest.ClosesAt), $"after {Text(previous)}")
            : null;
    }

    private static string Text(ulong value) => value.ToString(CultureInfo.InvariantCulture);

    private static (ManifestFault, string, string, string)? CheckIntents(EpochProposed manifest, VerifierView view, Dictionary<ChainId, ProposedCursor> cursors)
    {
        var listed = new HashSet<Bytes32>(manifest.IntentIds);
        foreach (var id in manifest.IntentIds)
        {
            if (!view.Listed.TryGetValue(id, out var stored) || !IsOpenFor(stored, manifest.EpochId))
            {
                return (ManifestFault.UnknownIntent, id.ToString(), "open", stored is null ? string.Empty : stored.Stage.ToString());
            }

            if (!IsFinalAt(stored, cursors))
            {
                return (ManifestFault.IntentNotFinal, id.ToString(), CursorText(cursors, stored.Observed.Intent.OriginChainId), stored.Observed.Position.BlockNumber.ToString(CultureInfo.InvariantCulture));
            }
        }

        foreach (var stored in view.OpenBook.OrderBy(s => s.Observed.Intent.IntentId))
        {
            var id = stored.Observed.Intent.IntentId;
            if (!listed.Contains(id) && IsFinalAt(stored, cursors))
            {
                return (ManifestFault.MissingIntent, id.ToString(), string.Empty, stored.Observed.Position.BlockNumber.ToString(CultureInfo.InvariantCulture));
            }
        }

        return null;
    }

    private static (ManifestFault, string, string, string)? CheckPools(EpochProposed manifest, VerifierView view)
    {
        var own = view.Pools.ToDictionary(p => (p.ChainId, p.Token), p => p.Balance);
        foreach (var pool in manifest.Pools)
        {
            var subject = $"{pool.ChainId}/{pool.Token}";
            if (!own.Remove((pool.ChainId, pool.Token), out var balance))
            {
                return (ManifestFault.PoolMismatch, subject, pool.Balance.ToString(), string.Empty);
            }

            if (balance != pool.Balance)
            {
                return (ManifestFault.PoolMismatch, subject, pool.Balance.ToString(), balance.ToString());
            }
        }

        return own.Count == 0 ? null : (ManifestFault.PoolMismatch, $"{own.First().Key.ChainId}/{own.First().Key.Token}", string.Empty, own.First().Value.ToString());
    }

    private (ManifestFault, string, string, string)? CheckPrices(EpochProposed manifest, VerifierView view)
    {
        var proposed = manifest.Prices.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal);
        foreach (var asset in assets)
        {
            var own = view.Prices.FirstOrDefault(p => p.AssetId == asset.Id)?.Price;
            if (!proposed.TryGetValue(asset.Id, out var price) || own is null || !WithinTolerance(price, own.Value, priceToleranceBps))
            {
                return (ManifestFault.PriceOutsideTolerance, asset.Id, proposed.TryGetValue(asset.Id, out var p) ? p.ToString() : string.Empty, own?.ToString() ?? string.Empty);
            }
        }

        return null;
    }

    /// <summary>|proposed − own| × 10 000 ≤ tolerance × own, in exact integers.</summary>
    internal static bool WithinTolerance(UInt256 proposed, UInt256 own, uint toleranceBps)
    {
        var a = proposed.ToBigInteger();
        var b = own.ToBigInteger();
        return System.Numerics.BigInteger.Abs(a - b) * 10_000 <= b * toleranceBps;
    }

    private static bool IsOpenFor(StoredIntent stored, ulong epochId) =>
        stored.Stage == IntentStage.Open || (stored.Stage == IntentStage.InEpoch && stored.EpochId == epochId);

    // Final at the cursors: seen at or below the cursor of its origin chain (a chain without a cursor: nothing is final there).
    private static bool IsFinalAt(StoredIntent stored, Dictionary<ChainId, ProposedCursor> cursors) =>
        cursors.TryGetValue(stored.Observed.Intent.OriginChainId, out var cursor) && stored.Observed.Position.BlockNumber <= cursor.Height;

    private static string CursorText(Dictionary<ChainId, ProposedCursor> cursors, ChainId chain) =>
        cursors.TryGetValue(chain, out var cursor) ? cursor.Height.ToString(CultureInfo.InvariantCulture) : "no cursor";

    private ManifestVerdict Refuse(EpochProposed manifest, (ManifestFault Fault, string Subject, string Proposed, string Observed) fault) =>
        new(null, null, Refusal(manifest, fault));

    private ManifestRefused Refusal(EpochProposed manifest, (ManifestFault Fault, string Subject, string Proposed, string Observed) fault) => new()
    {
        EpochId = manifest.EpochId,
        ManifestHash = manifest.ManifestHash,
        ProposerIndex = manifest.ProposerIndex,
        VerifierId = verifierId,
        Fault = fault.Fault,
        Subject = fault.Subject,
        Proposed = fault.Proposed,
        Observed = fault.Observed,
        Round = manifest.Round,
    };
}
