using System.Diagnostics;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Diagnostics;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>
/// Applies planned chunks (<see cref="SettlementChunk"/>) to the escrow, each exactly once: a chunk whose receipt
/// exists is checked against it (chunk hash, batch root, action count) and reported already applied; otherwise one
/// transaction is built (<see cref="ChunkTransactionBuilder"/>: v0 over the escrow's address lookup table when one is
/// configured, which is first extended with the chunk's accounts; legacy otherwise), checked to fit (size, account
/// locks and compute, else the chunk is refused by name), priced from recent prioritization fees, limited to what a
/// simulation consumed plus the claim reserve and a margin, signed by the payer and every attestor, sent, and polled
/// until the configured commitment. A transaction whose blockhash expired unseen is rebuilt with a fresh blockhash and re-signed — never
/// re-sent as is; so is one whose associated-token-account creation failed because the account appeared meanwhile.
/// A send answered "Blockhash not found" (or failing without a runtime error) may have landed: its signature status
/// and the chunk's receipt are read before anything is rebuilt.
/// In an operator set (<see cref="ISettleCoSigners"/>) each transaction carries this node's attestor and the needed
/// number of other operators, who sign the exact message when asked; one that does not answer in time is asked last
/// on the next attempt, which is rebuilt with a fresh blockhash.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim's wait handle is never requested, so it holds nothing to dispose.")]
internal sealed class ChunkSubmitter : IChunkSubmitter
{
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly ITransactionSigner _payer;
    private readonly IReadOnlyList<ITransactionSigner> _attestors;
    private readonly ISettleCoSigners? _coSigners;
    private readonly EscrowProgram _escrow;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TagList _tags;
    private readonly SemaphoreSlim _tableLock = new(1, 1);
    private AddressLookupTable? _table;

    /// <summary>
    /// The payer pays fees and rent and may also be an attestor; attestors are registered signers, at least the
    /// escrow's threshold of them, or with <paramref name="coSigners"/> the threshold together with the co-signers.
    /// </summary>
    public ChunkSubmitter(
        ISolanaRpc rpc, SolanaClusterOptions options, ITransactionSigner payer, IReadOnlyList<ITransactionSigner> attestors,
        ILogger<ChunkSubmitter>? logger = null, TimeProvider? timeProvider = null, ISettleCoSigners? coSigners = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(attestors);
        if (attestors.Count == 0 || attestors.Count > EscrowProgram.MaxSigners || attestors.Select(a => a.PublicKey).Distinct().Count() != attestors.Count)
        {
            throw new ArgumentException($"Between 1 and {EscrowProgram.MaxSigners} distinct attestors are needed.", nameof(attestors));
        }

        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options;
        _tags = ChainTelemetry.Tags(ChainKind.Solana, options.Chain);
        _payer = payer ?? throw new ArgumentNullException(nameof(payer));
        _attestors = attestors;
        _coSigners = coSigners;
        _escrow = new EscrowProgram(options.ProgramKey);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        var fit = ChunkTransactionBuilder.WorstCaseLimits(_escrow, options.Chain, attestors.Count + (coSigners?.Needed ?? 0), options.UsesLookupTable, options.ComputeUnitLimit);
        Limits = new ChunkLimits(options.MaxReleasesPerChunk ?? fit.MaxReleases, options.MaxTransfersPerChunk ?? fit.MaxTransfers);
        Limits.Validate(options.Chain);
    }

    public ChainId ChainId => _options.Chain;

    public ChunkLimits Limits { get; }

    /// <summary>The lookup table in use (null: legacy transactions, or none created yet) and the addresses it holds.</summary>
    internal AddressLookupTable? LookupTable => _table;

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
        string? lastUnknown = null;
        var silent = new List<Bytes32>(); // co-signers asked before that did not answer: asked last
        for (var attempt = 1; attempt <= _options.MaxRebuildsPerChunk; attempt++)
        {
            // A node following a root it did not choose adds no signature of its own: one more operator co-signs instead.
            var ownSign = _coSigners is null || await _coSigners.OwnAttestorsSignAsync(chunk, cancellationToken).ConfigureAwait(false);
            var coSigners = await ChooseCoSignersAsync(chunk, silent, ownSign ? 0 : _attestors.Count, cancellationToken).ConfigureAwait(false);
            var built = await BuildAsync(chunk, createAccounts, [.. ownSign ? _attestors.Select(a => a.PublicKey) : [], .. coSigners], cancellationToken).ConfigureAwait(false);
            var blockhash = await _rpc.GetLatestBlockhashAsync(_options.Commitment, cancellationToken).ConfigureAwait(false);
            var (transaction, unsigned) = await SignAsync(chunk, built, blockhash.Blockhash, coSigners, cancellationToken).ConfigureAwait(false);
            if (transaction is null)
            {
                silent.RemoveAll(unsigned.Contains);
                silent.AddRange(unsigned);
                lastUnknown = $"co-signers {string.Join(", ", unsigned.Select(Base58.EncodeKey))} did not sign in time";
                Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, lastUnknown, attempt);
                ChainTelemetry.Resubmissions.Add(1, _tags);
                continue;
            }

            var signature = transaction.Id;
            try
            {
                await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(PreflightCommitment: Commitment.Confirmed), cancellationToken).ConfigureAwait(false);
            }
            catch (SolanaTransactionException ex) when (ex.Error.IsAlreadyProcessed)
            {
                // A retried send of these same bytes after the first landed: confirm it below.
            }
            catch (SolanaTransactionException ex) when (FailedBeforeSettle(ex.Error, built))
            {
                createAccounts = false;
                Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, $"{ex.Error} at preflight", attempt);
                ChainTelemetry.Resubmissions.Add(1, _tags);
                continue;
            }
            catch (ChainRpcException ex) when (OutcomeUnknown(ex))
            {
                // The transaction may have landed all the same: look before building another.
                if (!await SeenAsync(signature, cancellationToken).ConfigureAwait(false))
                {
                    if (await AppliedAsync(chunk, chunkHash, cancellationToken).ConfigureAwait(false) is { } applied)
                    {
                        return applied;
                    }

                    lastUnknown = ex.Message;
                    Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, $"{ex.Message} and transaction {signature} is not seen", attempt);
                    ChainTelemetry.Resubmissions.Add(1, _tags);
                    continue;
                }
            }
            catch (SolanaTransactionException ex) when (_coSigners is not null && ex.Error.IsProgramError(EscrowErrors.SignerNotRegistered))
            {
                // The escrow's signer set rotated after this settle was built and co-signed under the old one: the
                // next attempt re-reads the set and asks only operators registered in it to sign again.
                lastUnknown = $"{ex.Error} at preflight (the signer set changed)";
                Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, lastUnknown, attempt);
                ChainTelemetry.Resubmissions.Add(1, _tags);
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
                ChainTelemetry.ChunksSubmitted.Add(1, _tags);
                return confirmed;
            }

            createAccounts &= !creationFailed;

            Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, $"transaction {signature} expired unconfirmed or its account creation failed", attempt);
            ChainTelemetry.Resubmissions.Add(1, _tags);
        }

        throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"not confirmed after {_options.MaxRebuildsPerChunk} fresh blockhashes{(lastUnknown is null ? "" : $" (last send: {lastUnknown})")}.");
    }

    /// <summary>
    /// A send whose failure leaves open whether the node took the transaction: "Blockhash not found" (a provider may
    /// forward before it answers, or answer for a lagging node), or an RPC failure without a runtime error (a dropped
    /// connection after retries, an error object without its data). Any other runtime error is a preflight refusal.
    /// </summary>
    private static bool OutcomeUnknown(ChainRpcException exception) =>
        exception is not SolanaTransactionException refused || refused.Error.IsBlockhashNotFound;

    /// <summary>Whether the cluster has seen the signature (landed, failed or not yet at the commitment): then its status decides.</summary>
    private async Task<bool> SeenAsync(string signature, CancellationToken cancellationToken) =>
        (await _rpc.GetSignatureStatusesAsync([signature], cancellationToken).ConfigureAwait(false))[0] is not null;

    /// <summary>
    /// The chunk's transaction, with account creation (when <paramref name="createAccounts"/>) only for destinations
    /// that do not exist now (an existing one, whatever its state, is left to the program: creating it again would
    /// fail the whole transaction). Checked to fit before anything is sent (the lookup table is extended only for a
    /// chunk that fits); then the table is extended, the transaction simulated unsigned and its limit set.
    /// </summary>
    internal Task<ChunkTransaction> BuildAsync(SettlementChunk chunk, bool createAccounts, CancellationToken cancellationToken) =>
        BuildAsync(chunk, createAccounts, [.. _attestors.Select(a => a.PublicKey)], cancellationToken);

    private async Task<ChunkTransaction> BuildAsync(SettlementChunk chunk, bool createAccounts, Bytes32[] attestors, CancellationToken cancellationToken)
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

        var price = await PriceAsync(chunk, cancellationToken).ConfigureAwait(false);
        var draft = ChunkTransactionBuilder.Build(chunk, _escrow, _payer.PublicKey, attestors, price, missing);
        if (_options.UsesLookupTable)
        {
            // A stand-in table holding exactly the chunk's lookup accounts: the real one may hold more, but every
            // loaded account costs one index byte whatever its position, so the size is the same.
            draft = ChunkTransactionBuilder.Build(chunk, _escrow, _payer.PublicKey, attestors, price, missing, new AddressLookupTable(Bytes32.Zero, draft.LookupAddresses), ChunkTransactionBuilder.MaxComputeUnits);
        }

        if (draft.Size > Transaction.MaxSize || draft.AccountCount > ChunkTransaction.MaxAccountLocks || draft.EstimatedUnits > _options.ComputeUnitLimit)
        {
            throw new ChunkSubmissionException(
                chunk.EpochId, chunk.Index,
                $"{chunk.Actions.Count} {chunk.Stage} actions need {draft.Size} bytes, {draft.AccountCount} accounts and {draft.EstimatedUnits} compute units; one {(_options.UsesLookupTable ? "v0" : "legacy")} transaction allows {Transaction.MaxSize} bytes and {ChunkTransaction.MaxAccountLocks} accounts, the options {_options.ComputeUnitLimit} units (lower {nameof(SolanaClusterOptions.MaxTransfersPerChunk)}/{nameof(SolanaClusterOptions.MaxReleasesPerChunk)}).");
        }

        var table = _options.UsesLookupTable ? await EnsureTableAsync(chunk, draft.LookupAddresses, cancellationToken).ConfigureAwait(false) : null;
        var probe = ChunkTransactionBuilder.Build(chunk, _escrow, _payer.PublicKey, attestors, price, missing, table, ChunkTransactionBuilder.MaxComputeUnits);
        SimulationResult? simulation;
        try
        {
            simulation = await _rpc.SimulateTransactionAsync(Transaction.SerializeUnsigned(Compile(probe, Bytes32.Zero)), Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainRpcException ex) when (ex is not SolanaTransactionException)
        {
            simulation = null; // an RPC that does not simulate (or failed after retries): the static estimate
        }

        var limit = simulation is { Error: null, UnitsConsumed: { } used }
            ? ChunkTransactionBuilder.LimitFromSimulation(used, probe.UndeliverableReserve, _options.ComputeUnitMarginPercent)
            : probe.EstimatedUnits; // the send's preflight names the error, the static estimate stands in meanwhile
        return ChunkTransactionBuilder.Build(chunk, _escrow, _payer.PublicKey, attestors, price, missing, table, Math.Min(limit, _options.ComputeUnitLimit));
    }

    /// <summary>
    /// The priority fee: the configured percentile of recent per-slot fees paid by transactions writing the chunk's
    /// pools and vaults, at least <see cref="SolanaClusterOptions.ComputeUnitPrice"/>, at most <see cref="SolanaClusterOptions.MaxComputeUnitPrice"/>.
    /// </summary>
    internal async Task<ulong> PriceAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        if (_options.MaxComputeUnitPrice <= _options.ComputeUnitPrice)
        {
            return _options.ComputeUnitPrice;
        }

        var mints = chunk.Actions.Select(a => a.Token).Distinct();
        Bytes32[] written = [.. mints.SelectMany(m => new[] { _escrow.PoolAddress(m), _escrow.VaultAddress(m) }).Take(128)];
        IReadOnlyList<PrioritizationFee> fees;
        try
        {
            fees = await _rpc.GetRecentPrioritizationFeesAsync(written, cancellationToken).ConfigureAwait(false);
        }
        catch (ChainRpcException)
        {
            return _options.ComputeUnitPrice; // an RPC without the method (or failing after retries): the floor
        }

        return Math.Clamp(Percentile([.. fees.Select(f => f.MicroLamportsPerUnit)], _options.PriorityFeePercentile), _options.ComputeUnitPrice, _options.MaxComputeUnitPrice);
    }

    /// <summary>Nearest-rank percentile (0 of none).</summary>
    internal static ulong Percentile(ulong[] values, int percentile)
    {
        if (values.Length == 0)
        {
            return 0;
        }

        Array.Sort(values);
        var rank = (int)Math.Ceiling(percentile / 100.0 * values.Length);
        return values[Math.Clamp(rank - 1, 0, values.Length - 1)];
    }

    /// <summary>
    /// The lookup table holding every address in <paramref name="needed"/>, usable now: the current one extended with
    /// what it lacks (at most <see cref="ExtendBatch"/> addresses per transaction), or, when there is none yet
    /// (<c>auto</c>) or it would overflow 256 addresses, a new one created from a fresh recent slot. Each step starts
    /// from the table as the chain holds it, not from what was last sent: a table transaction reported failed may have
    /// landed (extending it again would add duplicates until the table overflows), and a creation reported failed is
    /// adopted when its table exists. Returns once the slot after the last extension has begun (addresses are usable from then).
    /// </summary>
    private async Task<AddressLookupTable> EnsureTableAsync(SettlementChunk chunk, IReadOnlyList<Bytes32> needed, CancellationToken cancellationToken)
    {
        await _tableLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_options.LookupTableKey is { } configured && (_table is null || Lacking(_table, needed).Count > 0))
            {
                _table = await ReadTableAsync(chunk, configured, cancellationToken).ConfigureAwait(false)
                    ?? throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"the configured lookup table {Base58.EncodeKey(configured)} does not exist.");
            }
            else if (_table is not null && Lacking(_table, needed).Count > 0)
            {
                _table = await ReadTableAsync(chunk, _table.Address, cancellationToken).ConfigureAwait(false); // gone (closed): a new one
            }

            var payer = _payer.PublicKey;
            var notLanded = 0;
            while (true)
            {
                var lacking = _table is null ? [.. needed] : Lacking(_table, needed);
                if (_table is not null && lacking.Count == 0)
                {
                    // Also for a table read after a restart: it may have been extended in this very slot.
                    await WaitUntilUsableAsync(cancellationToken).ConfigureAwait(false);
                    return _table;
                }

                if (notLanded == _options.MaxRebuildsPerChunk)
                {
                    throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table transactions not confirmed after {_options.MaxRebuildsPerChunk} fresh blockhashes.");
                }

                bool landed;
                if (_table is null || _table.Addresses.Count + lacking.Count > AddressLookupTableProgram.MaxAddresses)
                {
                    if (_options.LookupTableKey is not null && _table is not null)
                    {
                        throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"the configured lookup table {Base58.EncodeKey(_table.Address)} holds {_table.Addresses.Count} addresses and cannot take {lacking.Count} more (configure a new one, or '{SolanaClusterOptions.AutoLookupTable}').");
                    }

                    // A fresh recent slot for every creation: the program refuses a slot that has left SlotHashes.
                    var slot = await _rpc.GetSlotAsync(Commitment.Finalized, cancellationToken).ConfigureAwait(false);
                    var create = AddressLookupTableProgram.Create(payer, payer, slot, out var address);
                    landed = await SendTableTransactionAsync(chunk, [create, AddressLookupTableProgram.Extend(address, payer, payer, [.. needed.Take(ExtendBatch - 1)])], cancellationToken).ConfigureAwait(false);
                    _table = await ReadTableAsync(chunk, address, cancellationToken).ConfigureAwait(false); // a creation reported failed that landed is adopted
                    if (_table is not null)
                    {
                        Log.LookupTableCreated(_logger, Base58.EncodeKey(address), slot, chunk.ChainId);
                        landed = true;
                    }
                }
                else
                {
                    var address = _table.Address;
                    landed = await SendTableTransactionAsync(chunk, [AddressLookupTableProgram.Extend(address, payer, payer, [.. lacking.Take(ExtendBatch)])], cancellationToken).ConfigureAwait(false);
                    _table = await ReadTableAsync(chunk, address, cancellationToken).ConfigureAwait(false)
                        ?? throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table {Base58.EncodeKey(address)} disappeared while it was being extended.");
                }

                if (!landed)
                {
                    notLanded++;
                    Log.ChunkRebuild(_logger, chunk.Index, chunk.EpochId, chunk.ChainId, "a lookup table transaction did not land (expired unseen, or its send failed and it is not seen)", notLanded);
                    ChainTelemetry.Resubmissions.Add(1, _tags);
                }
            }
        }
        finally
        {
            _tableLock.Release();
        }
    }

    private static List<Bytes32> Lacking(AddressLookupTable table, IReadOnlyList<Bytes32> needed)
    {
        var held = table.Addresses.ToHashSet();
        return [.. needed.Where(a => !held.Contains(a))];
    }

    /// <summary>Addresses appended to a table in a slot are usable from the next slot: wait until the cluster is past it.</summary>
    private async Task WaitUntilUsableAsync(CancellationToken cancellationToken)
    {
        while (await _rpc.GetSlotAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false) <= _lastExtendedSlot)
        {
            await Task.Delay(_options.ConfirmPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Addresses per ExtendLookupTable transaction (30 fit a legacy transaction signed by the payer alone).</summary>
    internal const int ExtendBatch = 28;

    private ulong _lastExtendedSlot;

    /// <summary>The table as the chain holds it at the configured commitment; null when no account is there.</summary>
    private async Task<AddressLookupTable?> ReadTableAsync(SettlementChunk chunk, Bytes32 address, CancellationToken cancellationToken)
    {
        var account = await _rpc.GetAccountInfoAsync(address, _options.Commitment, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return null;
        }

        if (account.Owner != AddressLookupTableProgram.ProgramId)
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table {Base58.EncodeKey(address)} is not owned by the Address Lookup Table program.");
        }

        var state = LookupTableState.Decode(account.Data);
        if (!state.IsActive || state.Authority != _payer.PublicKey)
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table {Base58.EncodeKey(address)} is deactivated or its authority is not the payer.");
        }

        _lastExtendedSlot = Math.Max(_lastExtendedSlot, state.LastExtendedSlot);
        return new AddressLookupTable(address, state.Addresses);
    }

    /// <summary>
    /// Sends one table-maintenance transaction signed by the payer and waits for the commitment. False when it did not
    /// land: its blockhash expired unseen, or its send failed without saying whether the node took it and its
    /// signature is not seen (it may still land: the caller reads the table before its next step either way).
    /// </summary>
    private async Task<bool> SendTableTransactionAsync(SettlementChunk chunk, IReadOnlyList<Instruction> instructions, CancellationToken cancellationToken)
    {
        var blockhash = await _rpc.GetLatestBlockhashAsync(_options.Commitment, cancellationToken).ConfigureAwait(false);
        var message = MessageCompiler.Compile(_payer.PublicKey, instructions, blockhash.Blockhash);
        var transaction = Transaction.FromSignatures(message, [await _payer.SignAsync(message.Serialize(), cancellationToken).ConfigureAwait(false)]);
        try
        {
            await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(PreflightCommitment: Commitment.Confirmed), cancellationToken).ConfigureAwait(false);
        }
        catch (SolanaTransactionException ex) when (ex.Error.IsAlreadyProcessed)
        {
            // A retried send of these same bytes after the first landed: confirm it below.
        }
        catch (ChainRpcException ex) when (OutcomeUnknown(ex))
        {
            if (!await SeenAsync(transaction.Id, cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }
        catch (SolanaTransactionException ex)
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table transaction refused in preflight: {ex.Error}", ex.Error, ex.Logs, ex);
        }

        while (true)
        {
            var status = (await _rpc.GetSignatureStatusesAsync([transaction.Id], cancellationToken).ConfigureAwait(false))[0];
            if (status?.Error is { } error)
            {
                throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"lookup table transaction {transaction.Id} failed: {error}", error);
            }

            if (status?.ConfirmationStatus is { } reached && reached >= _options.Commitment)
            {
                return true;
            }

            if (status is null && await _rpc.GetBlockHeightAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false) > blockhash.LastValidBlockHeight)
            {
                return false;
            }

            await Task.Delay(_options.ConfirmPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private Message Compile(ChunkTransaction built, Bytes32 blockhash) => built.Table is null
        ? MessageCompiler.Compile(_payer.PublicKey, built.Instructions, blockhash)
        : MessageCompiler.CompileV0(_payer.PublicKey, built.Instructions, blockhash, [built.Table]);

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
        catch (ChainRpcException)
        {
            // AlreadyProcessed, or the node is briefly unreachable: the status poll decides either way.
        }
    }

    /// <summary>
    /// The other operators to carry as attestors this attempt: <see cref="ISettleCoSigners.Needed"/> (plus
    /// <paramref name="standIns"/>, for this node's attestors when they do not sign) of the candidates, those that did
    /// not answer before last. None without co-signers.
    /// </summary>
    private async Task<Bytes32[]> ChooseCoSignersAsync(SettlementChunk chunk, List<Bytes32> silent, int standIns, CancellationToken cancellationToken)
    {
        var needed = (_coSigners?.Needed ?? 0) + standIns;
        if (_coSigners is null || needed == 0)
        {
            return [];
        }

        var registered = await RegisteredSignersAsync(chunk, cancellationToken).ConfigureAwait(false);
        Bytes32[] candidates = [.. (await _coSigners.CandidatesAsync(chunk, cancellationToken).ConfigureAwait(false)).Where(registered.Contains)];
        Bytes32[] chosen = [.. candidates.Where(c => !silent.Contains(c)).Concat(silent.Where(candidates.Contains)).Take(needed)];
        return chosen.Length == needed
            ? chosen
            : throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"{candidates.Length} other operators in the escrow's current signer set can co-sign it; {needed} are needed.");
    }

    /// <summary>
    /// The escrow's current signer set, read from its config account on every attempt: after a rotation a settle
    /// names only registered operators (an operator whose key the rotation replaced is not asked under its old key).
    /// </summary>
    private async Task<HashSet<Bytes32>> RegisteredSignersAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        var account = await _rpc.GetAccountInfoAsync(_escrow.Config, _options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"the escrow config {Base58.EncodeKey(_escrow.Config)} does not exist (escrow not initialized).");
        return [.. EscrowConfig.Decode(account.Data).Signers];
    }

    /// <summary>
    /// The signed transaction: this node's keys sign, then the co-signers are asked for theirs (each checked against
    /// the message). Null and the co-signers that gave no valid signature when any is missing.
    /// </summary>
    private async Task<(Transaction? Transaction, Bytes32[] Unsigned)> SignAsync(SettlementChunk chunk, ChunkTransaction built, Bytes32 blockhash, Bytes32[] coSigners, CancellationToken cancellationToken)
    {
        var message = Compile(built, blockhash);
        var bytes = message.Serialize();
        var remote = coSigners.Length == 0
            ? new Dictionary<Bytes32, byte[]>()
            : await _coSigners!.RequestAsync(chunk, bytes, coSigners, cancellationToken).ConfigureAwait(false);
        Bytes32[] unsigned = [.. coSigners.Where(k => !remote.TryGetValue(k, out var signature) || !SolanaChunkAttestation.SignatureVerifies(k, bytes, signature))];
        if (unsigned.Length > 0)
        {
            return (null, unsigned);
        }

        var signers = _attestors.Prepend(_payer).DistinctBy(s => s.PublicKey).ToDictionary(s => s.PublicKey);
        var signatures = new byte[message.Header.RequiredSignatures][];
        for (var i = 0; i < signatures.Length; i++)
        {
            var key = message.StaticAccountKeys[i];
            signatures[i] = signers.TryGetValue(key, out var signer) ? await signer.SignAsync(bytes, cancellationToken).ConfigureAwait(false)
                : remote.TryGetValue(key, out var signature) ? signature
                : throw new InvalidOperationException($"No signer for required key {Base58.EncodeKey(key)}.");
        }

        return (Transaction.FromSignatures(message, signatures), []);
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
