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
/// </summary>
/// <remarks>
/// Exactly once across restarts holds when the sink completes before the checkpoint write (it is awaited); a crash
/// between the two re-reports that one transaction's intents, which downstream dedupes by intent id. At Finalized
/// commitment nothing reported can be rolled back; at Confirmed a rollback has not happened on mainnet but is not
/// ruled out, and this watcher does not emit <see cref="IntentRetracted"/>.
/// </remarks>
public sealed class EscrowWatcher
{
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly IWatcherCheckpointStore _checkpoints;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Bytes32 _programId;
    private WatcherCheckpoint? _checkpoint;

    public EscrowWatcher(ISolanaRpc rpc, SolanaClusterOptions options, IWatcherCheckpointStore checkpoints, ILogger<EscrowWatcher>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options;
        _checkpoints = checkpoints ?? throw new ArgumentNullException(nameof(checkpoints));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        _programId = options.ProgramKey;
    }

    /// <summary>
    /// Polls until cancelled; a failing pass (node down, restarting, behind, or the sink refusing an intent) is logged
    /// and retried next interval from the last saved checkpoint, never ends the loop.
    /// </summary>
    public async Task RunAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(onIntent, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The loop outlives any one failure; the failure is logged with its cause.
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
                Log.PollFailed(_logger, ex, _options.Chain, _options.PollInterval);
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass: reports every new intent up to the newest transaction visible at the commitment; returns how many.</summary>
    public async Task<int> PollOnceAsync(Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onIntent);
        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.watcher.poll");
        activity?.SetTag("chain.id", _options.ChainId);
        var checkpoint = _checkpoint ??= await _checkpoints.LoadAsync(cancellationToken).ConfigureAwait(false) ?? WatcherCheckpoint.Start;
        var pending = await NewSignaturesAsync(checkpoint.LastSignature, cancellationToken).ConfigureAwait(false);
        var reported = 0;
        for (var i = pending.Count - 1; i >= 0; i--)
        {
            var info = pending[i];
            if (!info.Failed)
            {
                var tx = await _rpc.GetTransactionAsync(info.Signature, _options.Commitment, cancellationToken).ConfigureAwait(false);
                if (tx is null)
                {
                    Log.TransactionNotYetVisible(_logger, info.Signature, _options.Commitment.ToString(), _options.Chain);
                    break;
                }

                if (tx.Error is null)
                {
                    (checkpoint, var count) = await ReportAsync(tx, checkpoint, onIntent, cancellationToken).ConfigureAwait(false);
                    reported += count;
                }
            }

            checkpoint = checkpoint with { LastSignature = info.Signature, LastSlot = info.Slot };
            _checkpoint = checkpoint;
            await _checkpoints.SaveAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("intents", reported);
        return reported;
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
        TransactionDetails tx, WatcherCheckpoint checkpoint, Func<IntentObserved, CancellationToken, ValueTask> onIntent, CancellationToken cancellationToken)
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
                Log.NonceGap(_logger, _options.Chain, checkpoint.NextNonce, intent.DepositNonce, tx.Signature);
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
