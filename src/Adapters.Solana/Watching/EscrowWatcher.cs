using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Diagnostics;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Watching;

/// <summary>
/// Follows the escrow program on one cluster: pages <c>getSignaturesForAddress</c> back to the checkpoint at the
/// configured commitment, replays the new transactions oldest first, skips failed ones, decodes the program's
/// <c>IntentOpened</c> events and hands each intent to the sink once; the checkpoint is saved after the sink returns.
/// Then it reconciles against the escrow's deposit counter: every nonce below the config's next nonce that no event
/// reported (logs truncated or dropped) is read from its intent account and reported, marked as recovered.
/// </summary>
/// <remarks>
/// Exactly once across restarts holds when the sink completes before the checkpoint write (it is awaited); a crash
/// between the two re-reports that one transaction's intents, which downstream dedupes by intent id. At Finalized
/// commitment nothing reported can be rolled back; at Confirmed a rollback has not happened on mainnet but is not
/// ruled out, and this watcher does not emit <see cref="IntentRetracted"/>.
/// </remarks>
public sealed class EscrowWatcher
{
    /// <summary>The line a validator appends when it cuts a transaction's logs (beyond 10 KB).</summary>
    internal const string TruncatedLogLine = "Log truncated";

    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly IWatcherCheckpointStore _checkpoints;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Bytes32 _programId;
    private readonly DepositReconciler _reconciler;
    private WatcherCheckpoint? _checkpoint;
    private (string Signature, DateTimeOffset Since)? _stuck;

    public EscrowWatcher(ISolanaRpc rpc, SolanaClusterOptions options, IWatcherCheckpointStore checkpoints, ILogger<EscrowWatcher>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options;
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _programId = options.ProgramKey;
        _reconciler = new DepositReconciler(_rpc, options);
    }

    /// <summary>
    /// Polls until cancelled; a failing pass (node down, restarting, behind, or the sink refusing an intent) is logged
    /// and retried next interval from the last saved checkpoint, never ends the loop. The first pass is the start-up
    /// catch-up. Every pass reconciles against the deposit counter; when passes keep failing (the event path is broken),
    /// the reconciliation alone still runs at start-up and every <see cref="SolanaClusterOptions.ReconcileInterval"/>.
    /// </summary>
    public async Task RunAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onIntent);
        DateTimeOffset? lastReconciled = null;
        var startUp = true;
        var sinkFailed = false;
        async ValueTask Deliver(IntentObserved observed, CancellationToken token)
        {
            try
            {
                await onIntent(observed, token).ConfigureAwait(false);
            }
            catch
            {
                sinkFailed = true;
                throw;
            }
        }

        while (!cancellationToken.IsCancellationRequested)
        {
            sinkFailed = false;
            try
            {
                await PollCoreAsync(Deliver, startUp ? "start-up catch-up" : null, cancellationToken).ConfigureAwait(false);
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
                if (!sinkFailed && (lastReconciled is null || _time.GetUtcNow() - lastReconciled >= _options.ReconcileInterval))
                {
                    lastReconciled = await TryReconcileAsync(Deliver, startUp ? "start-up catch-up" : "periodic reconciliation", cancellationToken).ConfigureAwait(false)
                        ? _time.GetUtcNow()
                        : lastReconciled;
                }
            }

            startUp = false;
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reconciliation alone (the event path is failing): reports every unreported nonce below the deposit counter.</summary>
    private async Task<bool> TryReconcileAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, string context, CancellationToken cancellationToken)
    {
        try
        {
            var checkpoint = _checkpoint ??= await _checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false) ?? WatcherCheckpoint.Start;
            var counter = await _reconciler.ReadNextNonceAsync(cancellationToken).ConfigureAwait(false);
            _ = await RecoverAsync(checkpoint, counter, $"{context} while polling events fails", onIntent, cancellationToken).ConfigureAwait(false);
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
    public Task<int> PollOnceAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken) =>
        PollCoreAsync(onIntent, null, cancellationToken);

    private async Task<int> PollCoreAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, string? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onIntent);
        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.watcher.poll");
        activity?.SetTag("chain.id", _options.ChainId);
        var checkpoint = _checkpoint ??= await _checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false) ?? WatcherCheckpoint.Start;
        var counter = await _reconciler.ReadNextNonceAsync(cancellationToken).ConfigureAwait(false);
        var truncated = new List<string>();
        var pending = await NewSignaturesAsync(checkpoint.LastSignature, cancellationToken).ConfigureAwait(false);
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

                    (checkpoint, var count) = await ReportAsync(tx, checkpoint, Cause(truncated, null), onIntent, cancellationToken).ConfigureAwait(false);
                    reported += count;
                }
            }

            checkpoint = checkpoint with { LastSignature = info.Signature, LastSlot = info.Slot };
            _checkpoint = checkpoint;
            await _checkpoints.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        }

        // A transaction listed but not yet readable usually becomes readable by the next poll, and its events then
        // report its intents; only once it has stayed unreadable for ReconcileInterval are they recovered from state.
        var now = _time.GetUtcNow();
        _stuck = notVisible is null ? null : _stuck is { } s && s.Signature == notVisible ? s : (notVisible, now);
        if (_stuck is { } stuck && now - stuck.Since < _options.ReconcileInterval)
        {
            activity?.SetTag("intents", reported);
            return reported;
        }

        var cause = Cause(truncated, _stuck);
        (_, var recovered) = await RecoverAsync(checkpoint, counter, context is null ? cause : $"{context}: {cause}", onIntent, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("intents", reported + recovered);
        activity?.SetTag("intents.recovered", recovered);
        return reported + recovered;
    }

    private string Cause(List<string> truncated, (string Signature, DateTimeOffset Since)? unreadable) =>
        truncated.Count > 0
            ? $"logs truncated in {string.Join(", ", truncated)}"
            : unreadable is { } u
                ? $"transaction {u.Signature} listed but not readable through getTransaction at {_options.Commitment} since {u.Since:O}"
                : "no log line for it in the transactions the RPC node returned (logs dropped, or its transaction not listed)";

    /// <summary>Reports, in nonce order, every nonce below <paramref name="counter"/> not yet reported, read from its account.</summary>
    private async Task<(WatcherCheckpoint Checkpoint, int Recovered)> RecoverAsync(
        WatcherCheckpoint checkpoint, ulong counter, string cause, Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
    {
        var missing = new List<ulong>();
        for (var nonce = checkpoint.NextNonce; nonce < counter; nonce++)
        {
            missing.Add(nonce);
        }

        if (missing.Count == 0)
        {
            return (checkpoint, 0);
        }

        var intents = await _reconciler.ReadIntentsAsync(missing, cancellationToken).ConfigureAwait(false);
        foreach (var intent in intents)
        {
            var because = $"nonce {intent.DepositNonce} is below the escrow's next nonce {counter} but no IntentOpened event reported it: {cause}";
            await onIntent(
                new IntentObserved
                {
                    Intent = intent,
                    Position = new ChainPosition { BlockNumber = checkpoint.LastSlot, BlockHash = string.Empty, TransactionId = string.Empty, LogIndex = -1 },
                    RecoveredBecause = because,
                },
                cancellationToken).ConfigureAwait(false);
            Log.IntentRecovered(_logger, intent.IntentId, _options.Chain, intent.DepositNonce, because);
            SolanaTelemetry.IntentsRecovered.Add(1, new KeyValuePair<string, object?>("chain.id", _options.ChainId));
            // Saved at once with the last fully processed transaction, so a restart re-reads the one that revealed the gap.
            checkpoint = checkpoint with { NextNonce = intent.DepositNonce + 1 };
            _checkpoint = checkpoint;
            await _checkpoints.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        }

        return (checkpoint, intents.Count);
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

    private async Task<(WatcherCheckpoint Checkpoint, int Reported)> ReportAsync(
        TransactionDetails tx, WatcherCheckpoint checkpoint, string gapCause, Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
    {
        var reported = 0;
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
                SolanaTelemetry.MalformedEvents.Add(1);
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
                (checkpoint, var recovered) = await RecoverAsync(checkpoint, intent.DepositNonce, gapCause, onIntent, cancellationToken).ConfigureAwait(false);
                reported += recovered;
            }

            await onIntent(
                new IntentObserved
                {
                    Intent = intent,
                    Position = new ChainPosition { BlockNumber = tx.Slot, BlockHash = string.Empty, TransactionId = tx.Signature, LogIndex = index },
                },
                cancellationToken).ConfigureAwait(false);
            Log.IntentObserved(_logger, intent.IntentId, _options.Chain, intent.DepositNonce, tx.Slot, tx.Signature);
            SolanaTelemetry.IntentsObserved.Add(1);
            checkpoint = checkpoint with { NextNonce = intent.DepositNonce + 1 };
            reported++;
        }

        return (checkpoint, reported);
    }
}
