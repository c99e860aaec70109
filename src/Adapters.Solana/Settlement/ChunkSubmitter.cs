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
/// Applies planned chunks (<see cref="SettlementChunk"/>) to the escrow, each exactly once: a chunk whose receipt
/// exists is checked against it (chunk hash, batch root, action count) and reported already applied; otherwise one
/// legacy transaction is built (<see cref="ChunkTransactionBuilder"/>), checked to fit (size and compute, else the
/// chunk is refused by name), signed by the payer and every attestor, sent, and polled until the configured
/// commitment. A transaction whose blockhash expired unseen is rebuilt with a fresh blockhash and re-signed — never
/// re-sent as is; so is one whose associated-token-account creation failed because the account appeared meanwhile.
/// </summary>
internal sealed class ChunkSubmitter : IChunkSubmitter
{
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly ITransactionSigner _payer;
    private readonly IReadOnlyList<ITransactionSigner> _attestors;
    private readonly EscrowProgram _escrow;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>The payer pays fees and rent and may also be an attestor; attestors are registered signers, at least the escrow's threshold of them.</summary>
    public ChunkSubmitter(
        ISolanaRpc rpc, SolanaClusterOptions options, ITransactionSigner payer, IReadOnlyList<ITransactionSigner> attestors,
        ILogger<ChunkSubmitter>? logger = null, TimeProvider? timeProvider = null)
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
        Limits = new ChunkLimits(options.MaxReleasesPerChunk, options.MaxTransfersPerChunk);
        Limits.Validate(options.Chain);
    }

    public ChainId ChainId => _options.Chain;

    public ChunkLimits Limits { get; }

    /// <exception cref="ChunkSubmissionException">The chunk does not fit one transaction, was refused, or could not be confirmed.</exception>
    public async Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.ChainId != _options.Chain)
        {
            throw new ArgumentException($"The chunk is for chain {chunk.ChainId}, this submitter settles chain {_options.Chain}.", nameof(chunk));
        }

        var limit = chunk.Stage == ChunkStage.Release ? Limits.MaxReleases : Limits.MaxTransfers;
        if (chunk.Actions.Count > limit)
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"{chunk.Actions.Count} actions exceed this chain's {chunk.Stage} chunk limit of {limit}.");
        }

        using var activity = SolanaTelemetry.ActivitySource.StartActivity("solana.submitter.chunk");
        activity?.SetTag("chain.id", chunk.ChainId.Value);
        activity?.SetTag("epoch.id", chunk.EpochId);
        activity?.SetTag("chunk", chunk.Index);
        var chunkHash = chunk.ChunkHash();
        if (await AppliedAsync(chunk, chunkHash, cancellationToken).ConfigureAwait(false) is { } already)
        {
            return already;
        }

        // After an account creation failed once, none is attempted again for this chunk: someone races us to those
        // addresses (create and reassign, close, create again ...); the program makes a missing account a claim anyway.
        var createAccounts = true;
        for (var attempt = 1; attempt <= _options.MaxRebuildsPerChunk; attempt++)
        {
            var built = await BuildAsync(chunk, createAccounts, cancellationToken).ConfigureAwait(false);
            var blockhash = await _rpc.GetLatestBlockhashAsync(_options.Commitment, cancellationToken).ConfigureAwait(false);
            var transaction = await SignAsync(built, blockhash.Blockhash, cancellationToken).ConfigureAwait(false);
            var signature = transaction.Id;
            try
            {
                await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(PreflightCommitment: Commitment.Confirmed), cancellationToken).ConfigureAwait(false);
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsAlreadyProcessed)
            {
                // A retried send of these same bytes after the first landed: confirm it below.
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsBlockhashNotFound || FailedBeforeSettle(ex.Error, built))
            {
                createAccounts &= !FailedBeforeSettle(ex.Error, built);
                Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, $"{ex.Error} at preflight", attempt);
                SolanaTelemetry.Rebuilds.Add(1);
                continue;
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsProgramError(EscrowErrors.ChunkAlreadyApplied))
            {
                return await AppliedAsync(chunk, chunkHash, cancellationToken).ConfigureAwait(false)
                    ?? throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, "the program says the chunk is applied but its receipt is not visible yet.", ex.Error, ex.Logs);
            }
            catch (SolanaTransactionException ex)
            {
                throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"refused in preflight: {ex.Error}", ex.Error, ex.Logs, ex);
            }

            var (confirmed, creationFailed) = await ConfirmAsync(chunk, chunkHash, built, transaction, blockhash, cancellationToken).ConfigureAwait(false);
            if (confirmed is not null)
            {
                SolanaTelemetry.ChunksApplied.Add(1);
                return confirmed;
            }

            createAccounts &= !creationFailed;

            Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, $"transaction {signature} expired unconfirmed or its account creation failed", attempt);
            SolanaTelemetry.Rebuilds.Add(1);
        }

        throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"not confirmed after {_options.MaxRebuildsPerChunk} fresh blockhashes.");
    }

    /// <summary>
    /// The chunk's transaction, with account creation (when <paramref name="createAccounts"/>) only for destinations
    /// that do not exist now (an existing one, whatever its state, is left to the program: creating it again would
    /// fail the whole transaction).
    /// </summary>
    internal async Task<ChunkTransaction> BuildAsync(SettlementChunk chunk, bool createAccounts, CancellationToken cancellationToken)
    {
        var destinations = ChunkTransactionBuilder.Destinations(chunk);
        var missing = new HashSet<(Bytes32, Bytes32)>();
        if (createAccounts && destinations.Count > 0)
        {
            var accounts = await _rpc.GetMultipleAccountsAsync([.. destinations.Select(d => ProgramAddress.AssociatedTokenAccount(d.Owner, d.Mint))], _options.Commitment, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < destinations.Count; i++)
            {
                if (accounts[i] is null)
                {
                    missing.Add(destinations[i]);
                }
            }
        }

        var built = ChunkTransactionBuilder.Build(chunk, _escrow, _payer.PublicKey, [.. _attestors.Select(a => a.PublicKey)], _options.ComputeUnitPrice, missing);
        if (built.Size > Transaction.MaxSize || built.ComputeUnits > _options.ComputeUnitLimit)
        {
            throw new ChunkSubmissionException(
                chunk.EpochId, chunk.Index,
                $"{chunk.Actions.Count} {chunk.Stage} actions need {built.Size} bytes and {built.ComputeUnits} compute units; one transaction allows {Transaction.MaxSize} bytes and the options {_options.ComputeUnitLimit} units (lower {nameof(SolanaClusterOptions.MaxTransfersPerChunk)}/{nameof(SolanaClusterOptions.MaxReleasesPerChunk)}).");
        }

        return built;
    }

    // An associated-token-account creation (before the Settle) failed: the account appeared after we looked. Rebuild.
    private static bool FailedBeforeSettle(TransactionError error, ChunkTransaction built) =>
        error.InstructionIndex is { } index && index < built.Instructions.Count - 1 && built.Instructions[index].ProgramId == WellKnown.AssociatedTokenProgram;

    /// <summary>
    /// Polls the signature until the commitment, a failure, or its blockhash's expiry (then no result: rebuild; the flag
    /// says whether an account creation failed). While it is unseen and still valid, the same signed bytes are re-sent
    /// every <see cref="SolanaClusterOptions.ResendInterval"/>.
    /// </summary>
    private async Task<(ChunkSubmission? Result, bool CreationFailed)> ConfirmAsync(SettlementChunk chunk, Bytes32 chunkHash, ChunkTransaction built, Transaction transaction, LatestBlockhash blockhash, CancellationToken cancellationToken)
    {
        var signature = transaction.Id;
        var lastSend = _time.GetTimestamp();
        while (true)
        {
            var status = (await _rpc.GetSignatureStatusesAsync([signature], cancellationToken).ConfigureAwait(false))[0];
            if (status?.Error is { } error)
            {
                if (error.IsProgramError(EscrowErrors.ChunkAlreadyApplied) && await AppliedAsync(chunk, chunkHash, cancellationToken).ConfigureAwait(false) is { } applied)
                {
                    return (applied, false);
                }

                if (FailedBeforeSettle(error, built))
                {
                    return (null, true);
                }

                throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"transaction {signature} failed: {error}", error);
            }

            if (status?.ConfirmationStatus is { } reached && reached >= _options.Commitment)
            {
                Log.ChunkApplied(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, signature, status.Slot);
                return (new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.Applied, signature), false);
            }

            if (status is null)
            {
                var height = await _rpc.GetBlockHeightAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
                if (height > blockhash.LastValidBlockHeight)
                {
                    // The transaction can no longer land; someone else's (or an earlier) transaction may have applied the chunk.
                    return (await AppliedAsync(chunk, chunkHash, cancellationToken).ConfigureAwait(false), false);
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

    private async Task<Transaction> SignAsync(ChunkTransaction built, Bytes32 blockhash, CancellationToken cancellationToken)
    {
        var message = MessageCompiler.Compile(_payer.PublicKey, built.Instructions, blockhash);
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
    private async Task<ChunkSubmission?> AppliedAsync(SettlementChunk chunk, Bytes32 chunkHash, CancellationToken cancellationToken)
    {
        var account = await _rpc.GetAccountInfoAsync(_escrow.ReceiptAddress(chunk.EpochId, chunk.Index), _options.Commitment, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return null;
        }

        if (account.Owner != _escrow.ProgramId)
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, "the receipt address holds an account the escrow does not own.");
        }

        var receipt = EscrowReceipt.Decode(account.Data);
        if (receipt.ChunkHash != chunkHash || receipt.BatchRoot != chunk.BatchRoot || receipt.ActionCount != chunk.Actions.Count)
        {
            throw new ChunkSubmissionException(
                chunk.EpochId, chunk.Index,
                $"already applied with different content (receipt chunk hash {receipt.ChunkHash}, batch root {receipt.BatchRoot}; planned {chunkHash}, {chunk.BatchRoot}).");
        }

        Log.ChunkAlreadyApplied(_logger, chunk.Index, chunk.EpochId, chunk.ChainId);
        return new ChunkSubmission(chunk.Reference, chunk.EpochId, chunk.Actions.Count, ChunkSubmissionOutcome.AlreadyApplied, null);
    }
}
