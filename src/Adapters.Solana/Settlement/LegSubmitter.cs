using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Diagnostics;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>
/// Applies a settlement leg to the escrow: plans chunks (<see cref="LegChunkPlanner"/>), and for each one that has
/// no receipt yet signs with the payer and every attestor, sends, and polls until the configured commitment. A
/// transaction whose blockhash expired unseen is rebuilt with a fresh blockhash and re-signed — never re-sent as
/// is — and a chunk found applied (receipt present, or the program answering ChunkAlreadyApplied) is checked
/// against its receipt's chunk hash and batch root, so a leg can be submitted any number of times.
/// </summary>
public sealed class LegSubmitter
{
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly ITransactionSigner _payer;
    private readonly IReadOnlyList<ITransactionSigner> _attestors;
    private readonly EscrowProgram _escrow;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>The payer pays fees and rent and may also be an attestor; attestors are registered signers, at least the escrow's threshold of them.</summary>
    public LegSubmitter(
        ISolanaRpc rpc, SolanaClusterOptions options, ITransactionSigner payer, IReadOnlyList<ITransactionSigner> attestors,
        ILogger<LegSubmitter>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(attestors);
        if (attestors.Count == 0 || attestors.Count > EscrowProgram.MaxSigners || attestors.Select(a => a.PublicKey).Distinct().Count() != attestors.Count)
        {
            throw new ArgumentException($"Between 1 and {EscrowProgram.MaxSigners} distinct attestors are needed.", nameof(attestors));
        }

        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options;
        _payer = payer ?? throw new ArgumentNullException(nameof(payer));
        _attestors = attestors;
        _escrow = new EscrowProgram(options.ProgramKey);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    public IReadOnlyList<PlannedChunk> Plan(SettlementLeg leg) =>
        LegChunkPlanner.Plan(leg, _escrow, _payer.PublicKey, [.. _attestors.Select(a => a.PublicKey)], _options.ComputeUnitPrice, _options.ComputeUnitLimit);

    /// <exception cref="LegSubmissionException">A chunk was refused or could not be confirmed.</exception>
    public async Task<LegSubmissionResult> SubmitAsync(SettlementLeg leg, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leg);
        if (leg.ChainId != _options.Chain)
        {
            throw new ArgumentException($"The leg is for chain {leg.ChainId}, this submitter settles chain {_options.Chain}.", nameof(leg));
        }

        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.submitter.leg");
        activity?.SetTag("chain.id", leg.ChainId.Value);
        activity?.SetTag("epoch.id", leg.EpochId);
        var chunks = Plan(leg);
        Log.LegPlanned(_logger, leg.EpochId, leg.ChainId, leg.Actions.Count, chunks.Count);
        var results = new List<ChunkResult>(chunks.Count);
        foreach (var chunk in chunks)
        {
            var result = await SubmitChunkAsync(leg, chunk, cancellationToken).ConfigureAwait(false);
            SolanaTelemetry.ChunksApplied.Add(1);
            results.Add(result);
        }

        return new LegSubmissionResult(leg.ChainId, leg.EpochId, results);
    }

    private async Task<ChunkResult> SubmitChunkAsync(SettlementLeg leg, PlannedChunk chunk, CancellationToken cancellationToken)
    {
        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.submitter.chunk");
        activity?.SetTag("chunk", chunk.Index);
        if (await AppliedAsync(leg, chunk, cancellationToken).ConfigureAwait(false) is { } already)
        {
            return already;
        }

        for (var attempt = 1; attempt <= _options.MaxRebuildsPerChunk; attempt++)
        {
            var blockhash = await _rpc.GetLatestBlockhashAsync(_options.Commitment, cancellationToken).ConfigureAwait(false);
            var transaction = await SignAsync(chunk, blockhash.Blockhash, cancellationToken).ConfigureAwait(false);
            var signature = transaction.Id;
            try
            {
                await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(PreflightCommitment: Commitment.Confirmed), cancellationToken).ConfigureAwait(false);
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsAlreadyProcessed)
            {
                // A retried send of these same bytes after the first landed: confirm it below.
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsBlockhashNotFound)
            {
                Log.ChunkRebuild(_logger, chunk.Index, leg.EpochId, leg.ChainId, "blockhash not found at preflight", attempt);
                SolanaTelemetry.Rebuilds.Add(1);
                continue;
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsProgramError(EscrowErrors.ChunkAlreadyApplied))
            {
                return await AppliedAsync(leg, chunk, cancellationToken).ConfigureAwait(false)
                    ?? throw new LegSubmissionException(leg.EpochId, chunk.Index, "the program says the chunk is applied but its receipt is not visible yet.", ex.Error, ex.Logs);
            }
            catch (SolanaTransactionException ex)
            {
                throw new LegSubmissionException(leg.EpochId, chunk.Index, $"refused in preflight: {ex.Error}", ex.Error, ex.Logs, ex);
            }

            var confirmed = await ConfirmAsync(leg, chunk, transaction, blockhash, cancellationToken).ConfigureAwait(false);
            if (confirmed is not null)
            {
                return confirmed;
            }

            Log.ChunkRebuild(_logger, chunk.Index, leg.EpochId, leg.ChainId, $"transaction {signature} expired unconfirmed", attempt);
            SolanaTelemetry.Rebuilds.Add(1);
        }

        throw new LegSubmissionException(leg.EpochId, chunk.Index, $"not confirmed after {_options.MaxRebuildsPerChunk} fresh blockhashes.");
    }

    /// <summary>
    /// Polls the signature until the commitment, a failure, or its blockhash's expiry (then null: rebuild). While it is
    /// unseen and still valid, the same signed bytes are re-sent every <see cref="SolanaClusterOptions.ResendInterval"/>.
    /// </summary>
    private async Task<ChunkResult?> ConfirmAsync(SettlementLeg leg, PlannedChunk chunk, Transaction transaction, LatestBlockhash blockhash, CancellationToken cancellationToken)
    {
        var signature = transaction.Id;
        var lastSend = _time.GetTimestamp();
        while (true)
        {
            var status = (await _rpc.GetSignatureStatusesAsync([signature], cancellationToken).ConfigureAwait(false))[0];
            if (status?.Error is { } error)
            {
                if (error.IsProgramError(EscrowErrors.ChunkAlreadyApplied) && await AppliedAsync(leg, chunk, cancellationToken).ConfigureAwait(false) is { } applied)
                {
                    return applied;
                }

                throw new LegSubmissionException(leg.EpochId, chunk.Index, $"transaction {signature} failed: {error}", error);
            }

            if (status?.ConfirmationStatus is { } reached && reached >= _options.Commitment)
            {
                Log.ChunkApplied(_logger, chunk.Index, leg.EpochId, leg.ChainId, signature, status.Slot);
                return new ChunkResult(chunk.Index, chunk.Actions.Count, chunk.ChunkHash, ChunkOutcome.Applied, signature, status.Slot);
            }

            if (status is null)
            {
                var height = await _rpc.GetBlockHeightAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
                if (height > blockhash.LastValidBlockHeight)
                {
                    // The transaction can no longer land; someone else's (or an earlier) transaction may have applied the chunk.
                    return await AppliedAsync(leg, chunk, cancellationToken).ConfigureAwait(false);
                }

                if (_time.GetElapsedTime(lastSend) >= _options.ResendInterval)
                {
                    await ResendAsync(transaction, cancellationToken).ConfigureAwait(false);
                    lastSend = _time.GetTimestamp();
                }
            }

            await Task.Delay(_options.ConfirmPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    // Same bytes, same signature, still-valid blockhash: at most one copy can land. Its outcome is read from the status.
    private async Task ResendAsync(Transaction transaction, CancellationToken cancellationToken)
    {
        try
        {
            await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(SkipPreflight: true), cancellationToken).ConfigureAwait(false);
        }
        catch (SolanaRpcException)
        {
            // AlreadyProcessed, or the node is briefly unreachable: the status poll decides either way.
        }
    }

    private async Task<Transaction> SignAsync(PlannedChunk chunk, Bytes32 blockhash, CancellationToken cancellationToken)
    {
        var message = MessageCompiler.Compile(_payer.PublicKey, chunk.Instructions, blockhash);
        var bytes = message.Serialize();
        var signers = _attestors.Prepend(_payer).DistinctBy(s => s.PublicKey).ToDictionary(s => s.PublicKey);
        var signatures = new byte[message.Header.RequiredSignatures][];
        for (var i = 0; i < signatures.Length; i++)
        {
            var key = message.StaticAccountKeys[i];
            signatures[i] = signers.TryGetValue(key, out var signer)
                ? await signer.SignAsync(bytes, cancellationToken).ConfigureAwait(false)
                : throw new InvalidOperationException($"No signer for required key {Base58.EncodeKey(key)}.");
        }

        return Transaction.FromSignatures(message, signatures);
    }

    /// <summary>The chunk's receipt, if it exists, checked against the plan; null when the chunk is not applied.</summary>
    private async Task<ChunkResult?> AppliedAsync(SettlementLeg leg, PlannedChunk chunk, CancellationToken cancellationToken)
    {
        var account = await _rpc.GetAccountInfoAsync(_escrow.ReceiptAddress(leg.EpochId, chunk.Index), _options.Commitment, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return null;
        }

        if (account.Owner != _escrow.ProgramId)
        {
            throw new LegSubmissionException(leg.EpochId, chunk.Index, "the receipt address holds an account the escrow does not own.");
        }

        var receipt = EscrowReceipt.Decode(account.Data);
        if (receipt.ChunkHash != chunk.ChunkHash || receipt.BatchRoot != leg.BatchRoot || receipt.ActionCount != chunk.Actions.Count)
        {
            throw new LegSubmissionException(
                leg.EpochId, chunk.Index,
                $"already applied with different content (receipt chunk hash {receipt.ChunkHash}, batch root {receipt.BatchRoot}; planned {chunk.ChunkHash}, {leg.BatchRoot}).");
        }

        Log.ChunkAlreadyApplied(_logger, chunk.Index, leg.EpochId, leg.ChainId);
        return new ChunkResult(chunk.Index, chunk.Actions.Count, chunk.ChunkHash, ChunkOutcome.AlreadyApplied, null, receipt.SlotApplied);
    }
}
