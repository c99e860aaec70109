using System.Diagnostics;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Diagnostics;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Watching;

/// <summary>
/// Follows the escrow program on one cluster: pages <c>getSignaturesForAddress</c> back to the checkpoint at the
/// configured commitment, replays the new transactions oldest first, skips failed ones, decodes the program's
/// <c>IntentOpened</c> events and hands each transaction's intents to the <see cref="IChainEventSink"/> as one
/// <see cref="ChainEventBatch"/> (cursor: the slot and signature of that transaction; a pass that read no intent still
/// ends with an empty batch when its cursor moved); the checkpoint is saved only after the sink returned.
/// Then it reconciles against the escrow's deposit counter: every nonce below the config's next nonce that no event
/// reported (logs truncated or dropped) is read from its intent account and reported, marked as recovered.
/// </summary>
/// <remarks>
/// Exactly once across restarts holds when the sink completes before the checkpoint write (it is awaited); a crash
/// between the two re-reports that transaction's intents, which downstream dedupes by intent id. At Finalized
/// commitment nothing reported can be rolled back; at Confirmed a rollback has not happened on mainnet but is not
/// ruled out, and this watcher does not emit <see cref="IntentRetracted"/>.
/// </remarks>
public sealed class EscrowWatcher : IChainWatcher
{
    /// <summary>The line a validator appends when it cuts a transaction's logs (beyond 10 KB).</summary>
    internal const string TruncatedLogLine = "Log truncated";

    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly ICheckpointStore<WatcherCheckpoint> _checkpoints;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Bytes32 _programId;
    private readonly DepositReconciler _reconciler;
    private readonly TagList _tags;
    private WatcherCheckpoint? _checkpoint;
    private ChainCursor? _announced;
    private (string Signature, DateTimeOffset Since)? _stuck;

    public EscrowWatcher(ISolanaRpc rpc, SolanaClusterOptions options, ICheckpointStore<WatcherCheckpoint> checkpoints, ILogger<EscrowWatcher>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options;
        _tags = ChainTelemetry.Tags(ChainKind.Solana, options.Chain);
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _programId = options.ProgramKey;
        _reconciler = new DepositReconciler(_rpc, options);
    }

    public ChainId ChainId => _options.Chain;

    public ChainKind Kind => ChainKind.Solana;

    /// <summary>
    /// Polls until cancelled; a failing pass (node down, restarting, behind, or the sink refusing an intent) is logged
    /// and retried next interval from the last saved checkpoint, never ends the loop. The first pass is the start-up
    /// catch-up. Every pass reconciles against the deposit counter; when passes keep failing (the event path is broken),
    /// the reconciliation alone still runs at start-up and every <see cref="SolanaClusterOptions.ReconcileInterval"/>.
    /// </summary>
    public async Task RunAsync(IChainEventSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        DateTimeOffset? lastReconciled = null;
        var startUp = true;
        var deliver = new FailureNotingSink(sink);
        while (!cancellationToken.IsCancellationRequested)
        {
            deliver.Failed = false;
            try
            {
                await PollCoreAsync(deliver, startUp ? "start-up catch-up" : null, cancellationToken).ConfigureAwait(false);
                lastReconciled = _time.GetUtcNow();
            }
#pragma warning disable CA1031 // The loop outlives any one failure; the failure is logged with its cause.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.PollFailed(_logger, ex, _options.Chain, _options.PollInterval);

                // Reconciling alone is for a broken event path. When the sink refused an intent, the events were read
                // fine: the next pass retries them, and a reconciliation now would hand intents the sink already took
                // over again, falsely marked as recovered.
                if (!deliver.Failed && (lastReconciled is null || _time.GetUtcNow() - lastReconciled >= _options.ReconcileInterval))
                {
                    lastReconciled = await TryReconcileAsync(deliver, startUp ? "start-up catch-up" : "periodic reconciliation", cancellationToken).ConfigureAwait(false)
                        ? _time.GetUtcNow()
                        : lastReconciled;
                }
            }

            startUp = false;
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reconciliation alone (the event path is failing): reports every unreported nonce below the deposit counter.</summary>
    private async Task<bool> TryReconcileAsync(IChainEventSink sink, string context, CancellationToken cancellationToken)
    {
        try
        {
            var checkpoint = _checkpoint ??= await _checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false) ?? WatcherCheckpoint.Start;
            var counter = await _reconciler.ReadNextNonceAsync(cancellationToken).ConfigureAwait(false);
            var observed = new List<IntentObserved>();
            checkpoint = await RecoverAsync(checkpoint, counter, $"{context} while polling events fails", observed, cancellationToken).ConfigureAwait(false);
            await CommitAsync(sink, observed, checkpoint, announceCursor: true, cancellationToken).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // As above: logged, retried at the next due time.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            Log.ReconcileFailed(_logger, ex, _options.Chain);
            return false;
        }
    }

    /// <summary>
    /// One pass: reports every new intent up to the newest transaction visible at the commitment, then every nonce
    /// below the deposit counter (read before the events, so an Open racing the pass is left to the next pass's events)
    /// that no event reported; returns how many.
    /// </summary>
    public Task<int> PollOnceAsync(IChainEventSink sink, CancellationToken cancellationToken) =>
        PollCoreAsync(sink, null, cancellationToken);

    private async Task<int> PollCoreAsync(IChainEventSink sink, string? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.watcher.poll");
        activity?.SetTag("chain.id", _options.ChainId);
        var checkpoint = _checkpoint ??= await _checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false) ?? WatcherCheckpoint.Start;
        var counter = await _reconciler.ReadNextNonceAsync(cancellationToken).ConfigureAwait(false);
        var truncated = new List<string>();
        var pending = await NewSignaturesAsync(checkpoint.LastSignature, cancellationToken).ConfigureAwait(false);
        ChainTelemetry.WatcherLag.Record(pending.Count > 0 && pending[0].Slot > checkpoint.LastSlot ? (long)(pending[0].Slot - checkpoint.LastSlot) : 0, _tags);
        var observed = new List<IntentObserved>();
        var reported = 0;
        string? notVisible = null;
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            var info = pending[i];
            if (!info.Failed)
            {
                var tx = await _rpc.GetTransactionAsync(info.Signature, _options.Commitment, cancellationToken).ConfigureAwait(false);
                if (tx is null)
                {
                    Log.TransactionNotYetVisible(_logger, info.Signature, _options.Commitment.ToString(), _options.Chain);
                    notVisible = info.Signature;
                    break;
                }

                if (tx.Error is null)
                {
                    if (tx.LogMessages.Contains(TruncatedLogLine))
                    {
                        truncated.Add(tx.Signature);
                    }

                    checkpoint = await ReportAsync(tx, checkpoint, Cause(truncated, null), observed, cancellationToken).ConfigureAwait(false);
                }
            }

            checkpoint = checkpoint with { LastSignature = info.Signature, LastSlot = info.Slot };

            // Committed per transaction, so a pass that fails later keeps what it already handed over.
            reported += await CommitAsync(sink, observed, checkpoint, announceCursor: false, cancellationToken).ConfigureAwait(false);
        }

        // A transaction listed but not yet readable usually becomes readable by the next poll, and its events then
        // report its intents; only once it has stayed unreadable for ReconcileInterval are they recovered from state.
        var now = _time.GetUtcNow();
        _stuck = notVisible is null ? null : _stuck is { } s && s.Signature == notVisible ? s : (notVisible, now);
        if (_stuck is not { } stuck || now - stuck.Since >= _options.ReconcileInterval)
        {
            var cause = Cause(truncated, _stuck);
            checkpoint = await RecoverAsync(checkpoint, counter, context is null ? cause : $"{context}: {cause}", observed, cancellationToken).ConfigureAwait(false);
        }

        reported += await CommitAsync(sink, observed, checkpoint, announceCursor: true, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("intents", reported);
        return reported;
    }

    /// <summary>
    /// Hands the sink the intents collected since the last commit (a batch, with the checkpoint's cursor; with none, a
    /// batch only when <paramref name="announceCursor"/> and the cursor moved), then saves the checkpoint: only after the
    /// sink returned. Returns how many intents it handed over.
    /// </summary>
    private async Task<int> CommitAsync(IChainEventSink sink, List<IntentObserved> observed, WatcherCheckpoint checkpoint, bool announceCursor, CancellationToken cancellationToken)
    {
        var cursor = new ChainCursor(checkpoint.LastSlot, checkpoint.LastSignature ?? string.Empty);
        var count = observed.Count;
        if (count > 0 || (announceCursor && cursor != _announced))
        {
            await sink.AcceptAsync(new ChainEventBatch(_options.Chain, [.. observed], [], cursor), cancellationToken).ConfigureAwait(false);
            _announced = cursor;
            observed.Clear();
        }

        if (checkpoint != _checkpoint)
        {
            await _checkpoints.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
            _checkpoint = checkpoint;
        }

        return count;
    }

    private string Cause(List<string> truncated, (string Signature, DateTimeOffset Since)? unreadable) =>
        truncated.Count > 0
            ? $"logs truncated in {string.Join(", ", truncated)}"
            : unreadable is { } u
                ? $"transaction {u.Signature} listed but not readable through getTransaction at {_options.Commitment} since {u.Since:O}"
                : "no log line for it in the transactions the RPC node returned (logs dropped, or its transaction not listed)";

    /// <summary>Reports, in nonce order, every nonce below <paramref name="counter"/> not yet reported, read from its account.</summary>
    private async Task<WatcherCheckpoint> RecoverAsync(
        WatcherCheckpoint checkpoint, ulong counter, string cause, List<IntentObserved> observed, CancellationToken cancellationToken)
    {
        var missing = new List<ulong>();
        for (var nonce = checkpoint.NextNonce; nonce < counter; nonce++)
        {
            missing.Add(nonce);
        }

        if (missing.Count == 0)
        {
            return checkpoint;
        }

        var intents = await _reconciler.ReadIntentsAsync(missing, cancellationToken).ConfigureAwait(false);
        foreach (var intent in intents)
        {
            var because = $"nonce {intent.DepositNonce} is below the escrow's next nonce {counter} but no IntentOpened event reported it: {cause}";
            observed.Add(new IntentObserved
            {
                Intent = intent,
                Position = new ChainPosition { BlockNumber = checkpoint.LastSlot, BlockHash = string.Empty, TransactionId = string.Empty, LogIndex = -1 },
                RecoveredBecause = because,
            });
            Log.IntentRecovered(_logger, intent.IntentId, _options.Chain, intent.DepositNonce, because);
            ChainTelemetry.IntentsRecovered.Add(1, _tags);
            checkpoint = checkpoint with { NextNonce = intent.DepositNonce + 1 };
        }

        return checkpoint;
    }

    private async Task<List<SignatureInfo>> NewSignaturesAsync(string? until, CancellationToken cancellationToken)
    {
        var all = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = await _rpc.GetSignaturesForAddressAsync(_programId, new SignaturePage(before, until, _options.SignaturePageSize), _options.Commitment, cancellationToken)
                .ConfigureAwait(false);
            all.AddRange(page);
            if (page.Count < _options.SignaturePageSize)
            {
                return all;
            }

            before = page[^1].Signature;
        }
    }

    private async Task<WatcherCheckpoint> ReportAsync(
        TransactionDetails tx, WatcherCheckpoint checkpoint, string gapCause, List<IntentObserved> observed, CancellationToken cancellationToken)
    {
        var lines = EscrowEventDecoder.ProgramDataLines(tx.LogMessages, _programId);
        for (var index = 0; index < lines.Count; index++)
        {
            Core.Intents.Intent intent;
            try
            {
                if (EscrowEventDecoder.DecodeBase64(lines[index]) is not IntentOpenedEvent opened)
                {
                    continue;
                }

                intent = opened.ToIntent(_options.Chain, _programId);
            }
            catch (EscrowEventException ex)
            {
                ChainTelemetry.EventsSkipped.Add(1, _tags);
                Log.MalformedEvent(_logger, tx.Signature, _options.Chain, ex.Message);
                continue;
            }

            if (intent.DepositNonce < checkpoint.NextNonce)
            {
                Log.AlreadyReported(_logger, intent.IntentId, intent.DepositNonce, _options.Chain);
                continue;
            }

            if (intent.DepositNonce > checkpoint.NextNonce)
            {
                // Nonces are assigned in execution order: the ones in between opened earlier and their events were
                // lost. They are recovered first, so intents are always reported in nonce order.
                Log.NonceGap(_logger, _options.Chain, checkpoint.NextNonce, intent.DepositNonce, tx.Signature);
                checkpoint = await RecoverAsync(checkpoint, intent.DepositNonce, gapCause, observed, cancellationToken).ConfigureAwait(false);
            }

            observed.Add(new IntentObserved
            {
                Intent = intent,
                Position = new ChainPosition { BlockNumber = tx.Slot, BlockHash = string.Empty, TransactionId = tx.Signature, LogIndex = index },
            });
            Log.IntentObserved(_logger, intent.IntentId, _options.Chain, intent.DepositNonce, tx.Slot, tx.Signature);
            ChainTelemetry.IntentsObserved.Add(1, _tags);
            checkpoint = checkpoint with { NextNonce = intent.DepositNonce + 1 };
        }

        return checkpoint;
    }

    /// <summary>Notes whether the sink threw, so a failing pass can tell a refusing sink from a broken event path.</summary>
    private sealed class FailureNotingSink(IChainEventSink inner) : IChainEventSink
    {
        public bool Failed { get; set; }

        public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
        {
            try
            {
                await inner.AcceptAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                Failed = true;
                throw;
            }
        }
    }
}
