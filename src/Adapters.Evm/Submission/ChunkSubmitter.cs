using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>
/// Applies planned chunks (<see cref="SettlementChunk"/>, from the aggregator's chunk planner) to this chain's escrow,
/// each exactly once: when <c>isApplied(epoch, chunk)</c> already reports it nothing is sent; otherwise it reads the
/// escrow's current signer-set version, collects the signers' EIP-712 signatures naming it, sends <c>settle</c> from
/// the relayer account and waits for the confirmation depth. A chunk that does not fit <see cref="Limits"/> (the gas
/// budget), mixes Releases with transfers, or is for another chain is refused before anything is sent.
/// </summary>
public sealed partial class ChunkSubmitter : IChunkSubmitter
{
    private readonly FinalityBreach? _finalityBreach;
    private readonly IEvmRpc _rpc;
    private readonly TransactionSender _sender;
    private readonly IReadOnlyList<ILegSigner> _signers;
    private readonly EvmChainOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private bool _blockGasLimitChecked;

    public ChunkSubmitter(IEvmRpc rpc, TransactionSender sender, IEnumerable<ILegSigner> signers, EvmChainOptions options, ILogger<ChunkSubmitter> logger, TimeProvider? timeProvider = null, FinalityBreach? finalityBreach = null)
    {
        _finalityBreach = finalityBreach;
        _time = timeProvider ?? TimeProvider.System;
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
        _signers = signers?.ToArray() ?? throw new ArgumentNullException(nameof(signers));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        if (_signers.Count == 0)
        {
            throw new ArgumentException("At least one leg signer is needed.", nameof(signers));
        }

        Limits = options.ChunkLimits;
        Limits.Validate(options.Chain);
    }

    public ChainId ChainId => _options.Chain;

    /// <summary>From the options' gas figures (<see cref="EvmChainOptions.ChunkLimits"/>).</summary>
    public ChunkLimits Limits { get; }

    /// <summary>The signers this submitter asks, local keys first as configured.</summary>
    public IReadOnlyList<ILegSigner> Signers => _signers;

    /// <summary>The chunk as a signer attests it now: under the escrow's current signer-set version.</summary>
    public async Task<LegChunkToSign> ChunkToSignAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return new LegChunkToSign(chunk.ChainId, _options.Escrow, chunk.EpochId, chunk.Index, chunk.BatchRoot, chunk.Actions, await SignerSetVersionAsync(cancellationToken).ConfigureAwait(false));
    }

    public async Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        CheckFits(chunk);
        if (_finalityBreach?.Reason is { } breach)
        {
            // The chain dropped a block the node had treated as final: this chunk may rest on intents that no longer exist.
            throw new ChunkSubmissionException($"Chain {_options.ChainId} epoch {chunk.EpochId} chunk {chunk.Index}: not sent, settlement of this chain is stopped: {breach}")
            {
                EpochId = chunk.EpochId,
                Chunk = chunk.Index,
            };
        }

        if (!_blockGasLimitChecked)
        {
            await _rpc.EnsureBlockGasLimitAsync(_options, cancellationToken).ConfigureAwait(false);
            _blockGasLimitChecked = true;
        }

        using var activity = EvmTelemetry.ActivitySource.StartActivity("submit chunk");
        activity?.SetTag("chain.id", _options.ChainId);
        activity?.SetTag("epoch.id", chunk.EpochId);
        activity?.SetTag("chunk", chunk.Index);
        while (true)
        {
            switch (await AppliedStateAsync(chunk, cancellationToken).ConfigureAwait(false))
            {
                case AppliedState.Final:
                    ChainTelemetry.ChunksSubmitted.Add(1, ChainTelemetry.Tags(ChainKind.Evm, _options.Chain));
                    LogAlreadyApplied(_logger, _options.ChainId, chunk.EpochId, chunk.Index);
                    return Result(chunk, ChunkSubmissionOutcome.AlreadyApplied, null);
                case AppliedState.NotYetFinal:
                    // Applied at the head (another node, or our own earlier attempt) but not yet below the confirmation
                    // depth: a reorg could still undo it, and payouts may wait on it. Look again after a poll interval.
                    await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                default:
                    break;
            }

            var toSign = await ChunkToSignAsync(chunk, cancellationToken).ConfigureAwait(false);
            var data = IntentEscrowAbi.Settle(chunk.EpochId, chunk.Index, chunk.BatchRoot, chunk.Actions, await SignAsync(toSign, cancellationToken).ConfigureAwait(false));
            ulong estimate;
            try
            {
                estimate = await _rpc.EstimateGasAsync(new CallRequest(_options.Escrow, data) { From = _sender.Account }, cancellationToken).ConfigureAwait(false);
            }
            catch (EvmRevertException e) when (e.ErrorName == "ChunkAlreadyApplied")
            {
                continue;
            }
            catch (EvmRevertException e)
            {
                if (await SignerSetChangedAsync(e, toSign, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                throw Failed(chunk, $"settle would revert: {e.Message}", e.ErrorName, e);
            }

            if (estimate > (ulong)_options.MaxGasPerChunk)
            {
                // The per-action figures the chunk was planned with understate what the escrow spends.
                var perAction = chunk.Stage == ChunkStage.Release ? nameof(EvmChainOptions.GasPerRelease) : nameof(EvmChainOptions.GasPerAction);
                throw Failed(chunk, $"eth_estimateGas says {estimate} gas, more than MaxGasPerChunk {_options.MaxGasPerChunk}: {nameof(EvmChainOptions.SettleBaseGas)} or {perAction} is below the escrow's measured gas", "GasBudgetExceeded", null);
            }

            // A margin over the estimate (GasLimitMarginPercent): state may change between estimate and inclusion.
            var gasLimit = FeePolicy.GasLimit(estimate, _options);
            var outcome = await _sender.SendAsync(_options.Escrow, data, gasLimit, cancellationToken).ConfigureAwait(false);
            if (outcome.NonceTakenByOther)
            {
                // Someone else's transaction took our nonce; it may even have applied this chunk. Look again.
                continue;
            }

            var receipt = outcome.Receipt!;
            if (!receipt.Succeeded)
            {
                if (await IsAppliedAsync(chunk, BlockTag.Latest, cancellationToken).ConfigureAwait(false))
                {
                    // Another relayer got there first in the same block range: the next turn waits for its finality.
                    continue;
                }

                var reason = await ReplayRevertAsync(data, receipt, cancellationToken).ConfigureAwait(false);
                if (await SignerSetChangedAsync(reason, toSign, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                throw Failed(chunk, $"settle transaction {receipt.TransactionHash} reverted: {reason?.Message ?? "no reason"}", reason?.ErrorName, reason);
            }

            ChainTelemetry.ChunksSubmitted.Add(1, ChainTelemetry.Tags(ChainKind.Evm, _options.Chain));
            LogApplied(_logger, _options.ChainId, chunk.EpochId, chunk.Index, chunk.Actions.Count, receipt.TransactionHash, receipt.BlockNumber, receipt.GasUsed);
            return Result(chunk, ChunkSubmissionOutcome.Applied, receipt.TransactionHash.ToString());
        }
    }

    /// <summary>Refuses, before anything is signed or sent, a chunk the escrow would refuse or that may not fit the gas budget.</summary>
    private void CheckFits(SettlementChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var name = $"Epoch {chunk.EpochId} chunk {chunk.Index} ({chunk.Stage}, {chunk.Actions.Count} actions) for chain {chunk.ChainId}";
        if (chunk.ChainId != _options.Chain)
        {
            throw new ArgumentException($"{name}: this submitter applies chunks of chain {_options.ChainId}.", nameof(chunk));
        }

        if (chunk.Actions.Count == 0)
        {
            throw new ArgumentException($"{name}: an empty chunk cannot be applied.", nameof(chunk));
        }

        var releases = chunk.Actions.Count(a => a.Kind == ActionKind.Release);
        var expectedReleases = chunk.Stage == ChunkStage.Release ? chunk.Actions.Count : 0;
        if (releases != expectedReleases)
        {
            throw new ArgumentException($"{name}: a {chunk.Stage} chunk carries {releases} Releases; Releases travel in chunks of their own (protocol v2).", nameof(chunk));
        }

        var (limit, perAction) = chunk.Stage == ChunkStage.Release ? (Limits.MaxReleases, _options.GasPerRelease) : (Limits.MaxTransfers, _options.GasPerAction);
        if (chunk.Actions.Count > limit)
        {
            throw new ArgumentException(
                $"{name}: more than the {limit} actions that fit MaxGasPerChunk {_options.MaxGasPerChunk} ({_options.SettleBaseGas} + {perAction} per action); plan with this submitter's Limits.",
                nameof(chunk));
        }
    }

    internal enum AppliedState
    {
        No,
        NotYetFinal,
        Final,
    }

    /// <summary>
    /// Whether the escrow applied this (epoch, chunk), read at the head and at the confirmation depth. Applied at the
    /// depth counts only when the applied chunk is this one (its LegApplied names the same chunk hash and batch
    /// root); anything else throws, so nothing that waits on this chunk (payouts of its Releases) is ever sent.
    /// </summary>
    internal async Task<AppliedState> AppliedStateAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        if (!await IsAppliedAsync(chunk, BlockTag.Latest, cancellationToken).ConfigureAwait(false))
        {
            return AppliedState.No;
        }

        var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var depth = (ulong)_options.ConfirmationDepth;
        if (head < depth || !await IsAppliedAsync(chunk, BlockTag.Number(head - depth), cancellationToken).ConfigureAwait(false))
        {
            return AppliedState.NotYetFinal;
        }

        await VerifyAppliedContentAsync(chunk, head - depth, cancellationToken).ConfigureAwait(false);
        return AppliedState.Final;
    }

    private async Task<bool> IsAppliedAsync(SettlementChunk chunk, string block, CancellationToken cancellationToken)
    {
        var output = await _rpc.CallAsync(new CallRequest(_options.Escrow, IntentEscrowAbi.IsApplied(chunk.EpochId, chunk.Index)), block, cancellationToken).ConfigureAwait(false);
        return IntentEscrowAbi.DecodeBool(output);
    }

    /// <summary>
    /// Finds the chunk's LegApplied at or below <paramref name="final"/>, newest range first (it is usually recent),
    /// and refuses a chunk that was applied with other content (another node planned other chunks, or signers signed
    /// something else): the escrow's marker says only that some chunk with this index was applied.
    /// </summary>
    private async Task VerifyAppliedContentAsync(SettlementChunk chunk, ulong final, CancellationToken cancellationToken)
    {
        var floor = (ulong)Math.Max(0, _options.StartBlock);
        var logs = await NewestFirstLogSearch.FindAsync(
            _rpc, (from, to) => new LogFilter(from, to, _options.Escrow, [AppliedTopic]), log => AppliedOf(log) is { } a && a.EpochId == chunk.EpochId && a.Chunk == chunk.Index,
            floor, final, _options.MaxBlockRange, cancellationToken).ConfigureAwait(false);
        if (logs.Count == 0)
        {
            throw Failed(chunk, $"isApplied reports it applied but no LegApplied for it was found in blocks {floor}..{final}", "AppliedWithoutEvent", null);
        }

        var applied = AppliedOf(logs[0])!;
        if (applied.LegHash != chunk.ChunkHash() || applied.BatchRoot != chunk.BatchRoot)
        {
            throw Failed(chunk, $"the escrow applied this (epoch, chunk) with other content (chunk hash {applied.LegHash}, batch root {applied.BatchRoot}; planned {chunk.ChunkHash()}, {chunk.BatchRoot}) in transaction {applied.Position.TransactionId}", "AppliedWithOtherContent", null);
        }
    }

    private static LegApplied? AppliedOf(EvmLog log) =>
        EscrowEventDecoder.TryDecode(log, new Core.Messages.ChainPosition { BlockNumber = log.BlockNumber, BlockHash = log.BlockHash.ToString(), TransactionId = log.TransactionHash.ToString(), LogIndex = log.LogIndex }) as LegApplied;

    private static readonly Bytes32 AppliedTopic = IntentEscrowAbi.Abi.Event("LegApplied").Topic0;

    /// <summary>
    /// True when the escrow refused our signatures because a new signer set was activated after we signed (the
    /// version only grows, so signing again under the current one ends): the caller signs again.
    /// </summary>
    private async Task<bool> SignerSetChangedAsync(EvmRevertException? revert, LegChunkToSign signed, CancellationToken cancellationToken)
    {
        if (revert?.ErrorName != "UnknownSigner" || await SignerSetVersionAsync(cancellationToken).ConfigureAwait(false) == signed.SignerSetVersion)
        {
            return false;
        }

        LogSignerSetChanged(_logger, _options.ChainId, signed.EpochId, signed.Chunk, signed.SignerSetVersion);
        return true;
    }

    private async Task<ulong> SignerSetVersionAsync(CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await _rpc.CallAsync(new CallRequest(_options.Escrow, IntentEscrowAbi.SignerSetVersion()), BlockTag.Latest, cancellationToken).ConfigureAwait(false)).AsUInt64;

    private async Task<byte[][]> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        var digest = chunk.Digest().ToArray();

        // Only keys of the current set sign: after a rotation a key this node still holds may have left the set, and
        // one signature from it would make the escrow refuse the whole chunk (UnknownSigner).
        var current = new List<ILegSigner>(_signers.Count);
        foreach (var signer in _signers)
        {
            var isSigner = await _rpc.CallAsync(new CallRequest(_options.Escrow, IntentEscrowAbi.IsSigner(signer.Address)), BlockTag.Latest, cancellationToken).ConfigureAwait(false);
            if (IntentEscrowAbi.DecodeBool(isSigner))
            {
                current.Add(signer);
            }
        }

        if (current.Count == 0)
        {
            throw new ChunkSubmissionException($"Epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}: none of the configured signers ({string.Join(", ", _signers.Select(s => s.Address))}) is in the escrow's signer set")
            {
                EpochId = chunk.EpochId,
                Chunk = chunk.Chunk,
            };
        }

        // A remote signer without a signature for this chunk (another operator that has not attested it) is left out:
        // the escrow needs a threshold, not every signer, and refuses fewer (InsufficientSignatures).
        var answers = await Task.WhenAll(current.Select(s => TrySignAsync(s, chunk, cancellationToken))).ConfigureAwait(false);
        current = [.. current.Where((_, i) => answers[i] is not null)];
        var signatures = answers.OfType<EcdsaSignature>().ToArray();
        if (signatures.Length == 0)
        {
            throw new ChunkSubmissionException($"Epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}: no signer has a signature for it yet")
            {
                EpochId = chunk.EpochId,
                Chunk = chunk.Chunk,
            };
        }

        for (var i = 0; i < signatures.Length; i++)
        {
            // A signer that signed something else (a bug, or a remote signer that disagrees) is caught here, not on-chain.
            var recovered = EvmAddress.FromPublicKey(Secp256k1.Recover(digest, signatures[i]));
            if (recovered != current[i].Address)
            {
                throw new ChunkSubmissionException($"Epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}: signer {current[i].Address} returned a signature that recovers to {recovered}")
                {
                    EpochId = chunk.EpochId,
                    Chunk = chunk.Chunk,
                };
            }
        }

        // A remote signer may return the high-s twin of a valid signature; the escrow accepts only low s.
        return signatures.Select(s => Secp256k1.NormalizeLowS(s).ToRsv()).ToArray();
    }

    private static async Task<EcdsaSignature?> TrySignAsync(ILegSigner signer, LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        try
        {
            return await signer.SignAsync(chunk, cancellationToken).ConfigureAwait(false);
        }
        catch (LegSignatureUnavailableException)
        {
            return null;
        }
    }

    private async Task<EvmRevertException?> ReplayRevertAsync(byte[] data, TransactionReceipt receipt, CancellationToken cancellationToken)
    {
        try
        {
            await _rpc.CallAsync(new CallRequest(_options.Escrow, data) { From = _sender.Account }, BlockTag.Number(receipt.BlockNumber - 1), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (EvmRevertException e)
        {
            return e;
        }
    }

    private static ChunkSubmission Result(SettlementChunk chunk, ChunkSubmissionOutcome outcome, string? transactionId) =>
        new(chunk.Reference, chunk.EpochId, chunk.Actions.Count, outcome, transactionId);

    private static ChunkSubmissionException Failed(SettlementChunk chunk, string reason, string? errorName, Exception? inner) =>
        new($"Epoch {chunk.EpochId} chunk {chunk.Index} on chain {chunk.ChainId}: {reason}", inner ?? new InvalidOperationException(reason))
        {
            EpochId = chunk.EpochId,
            Chunk = chunk.Index,
            ErrorName = errorName,
        };

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Chain {ChainId}: epoch {EpochId} chunk {Chunk} already applied; nothing sent")]
    private static partial void LogAlreadyApplied(ILogger logger, ulong chainId, ulong epochId, uint chunk);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Chain {ChainId}: epoch {EpochId} chunk {Chunk} was signed for signer-set version {Version}, which is no longer current; signing again")]
    private static partial void LogSignerSetChanged(ILogger logger, ulong chainId, ulong epochId, uint chunk, ulong version);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Chain {ChainId}: epoch {EpochId} chunk {Chunk} ({ActionCount} actions) applied by {TransactionHash} in block {BlockNumber}, gas {GasUsed}")]
    private static partial void LogApplied(ILogger logger, ulong chainId, ulong epochId, uint chunk, int actionCount, Bytes32 transactionHash, ulong blockNumber, ulong gasUsed);
}
