using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>
/// Applies a settlement leg to this chain's escrow: splits it into chunks within the gas budget, and for each chunk
/// that <c>isApplied(epoch, chunk)</c> does not already report, collects the signers' EIP-712 signatures, sends
/// <c>settle</c> from the relayer account and waits for the confirmation depth. Idempotent: submitting the same leg
/// again (after a crash, a timeout, or by another relayer) sends nothing for chunks already applied.
/// </summary>
public sealed partial class LegSubmitter
{
    private readonly IEvmRpc _rpc;
    private readonly TransactionSender _sender;
    private readonly IReadOnlyList<ILegSigner> _signers;
    private readonly EvmChainOptions _options;
    private readonly ILogger _logger;

    public LegSubmitter(IEvmRpc rpc, TransactionSender sender, IEnumerable<ILegSigner> signers, EvmChainOptions options, ILogger<LegSubmitter> logger)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
        _signers = signers?.ToArray() ?? throw new ArgumentNullException(nameof(signers));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        if (_signers.Count == 0)
        {
            throw new ArgumentException("At least one leg signer is needed.", nameof(signers));
        }
    }

    /// <summary>The chunks the leg will be split into with the configured gas budget.</summary>
    public IReadOnlyList<IReadOnlyList<SettlementAction>> PlanChunks(SettlementLeg leg)
    {
        ArgumentNullException.ThrowIfNull(leg);
        return ChunkPlanner.Plan(leg.Actions, _options.MaxGasPerChunk, _options.SettleBaseGas, _options.GasPerAction);
    }

    public async Task<LegSubmissionResult> SubmitAsync(SettlementLeg leg, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(leg);
        if (leg.ChainId != _options.Chain)
        {
            throw new ArgumentException($"The leg is for chain {leg.ChainId}, this submitter for {_options.ChainId}.", nameof(leg));
        }

        if (leg.Actions.Count == 0)
        {
            return new LegSubmissionResult(leg, []);
        }

        using var activity = EvmTelemetry.ActivitySource.StartActivity("submit leg");
        activity?.SetTag("chain.id", _options.ChainId);
        activity?.SetTag("epoch.id", leg.EpochId);
        var chunks = PlanChunks(leg);
        var results = new List<ChunkResult>(chunks.Count);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = new LegChunkToSign(leg.ChainId, _options.Escrow, leg.EpochId, (uint)i, leg.BatchRoot, chunks[i]);
            results.Add(await SubmitChunkAsync(chunk, cancellationToken).ConfigureAwait(false));
        }

        return new LegSubmissionResult(leg, results);
    }

    private async Task<ChunkResult> SubmitChunkAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await IsAppliedAsync(chunk, cancellationToken).ConfigureAwait(false))
            {
                LogAlreadyApplied(_logger, _options.ChainId, chunk.EpochId, chunk.Chunk);
                return new ChunkResult(chunk.Chunk, chunk.Actions.Count, ChunkOutcome.AlreadyApplied, null);
            }

            var data = IntentEscrowAbi.Settle(chunk.EpochId, chunk.Chunk, chunk.BatchRoot, chunk.Actions, await SignAsync(chunk, cancellationToken).ConfigureAwait(false));
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
                throw Failed(chunk, $"settle would revert: {e.Message}", e.ErrorName, e);
            }

            // A margin over the estimate: state may change between estimate and inclusion.
            var gasLimit = Math.Min((estimate * 5 / 4) + 10_000, (ulong)_options.MaxGasPerChunk);
            var outcome = await _sender.SendAsync(_options.Escrow, data, gasLimit, cancellationToken).ConfigureAwait(false);
            if (outcome.NonceTakenByOther)
            {
                // Someone else's transaction took our nonce; it may even have applied this chunk. Look again.
                continue;
            }

            var receipt = outcome.Receipt!;
            if (!receipt.Succeeded)
            {
                if (await IsAppliedAsync(chunk, cancellationToken).ConfigureAwait(false))
                {
                    // Another relayer got there first in the same block range.
                    return new ChunkResult(chunk.Chunk, chunk.Actions.Count, ChunkOutcome.AlreadyApplied, null);
                }

                var reason = await ReplayRevertAsync(data, receipt, cancellationToken).ConfigureAwait(false);
                throw Failed(chunk, $"settle transaction {receipt.TransactionHash} reverted: {reason?.Message ?? "no reason"}", reason?.ErrorName, reason);
            }

            EvmTelemetry.ChunksApplied.Add(1);
            LogApplied(_logger, _options.ChainId, chunk.EpochId, chunk.Chunk, chunk.Actions.Count, receipt.TransactionHash, receipt.BlockNumber, receipt.GasUsed);
            return new ChunkResult(chunk.Chunk, chunk.Actions.Count, ChunkOutcome.Applied, receipt);
        }
    }

    private async Task<bool> IsAppliedAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        var output = await _rpc.CallAsync(new CallRequest(_options.Escrow, IntentEscrowAbi.IsApplied(chunk.EpochId, chunk.Chunk)), BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        return IntentEscrowAbi.DecodeBool(output);
    }

    private async Task<byte[][]> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        var digest = chunk.Digest().ToArray();
        var signatures = await Task.WhenAll(_signers.Select(s => s.SignAsync(chunk, cancellationToken))).ConfigureAwait(false);
        for (var i = 0; i < signatures.Length; i++)
        {
            // A signer that signed something else (a bug, or a remote signer that disagrees) is caught here, not on-chain.
            var recovered = EvmAddress.FromPublicKey(Secp256k1.Recover(digest, signatures[i]));
            if (recovered != _signers[i].Address)
            {
                throw Failed(chunk, $"signer {_signers[i].Address} returned a signature that recovers to {recovered}", null, null);
            }
        }

        // A remote signer may return the high-s twin of a valid signature; the escrow accepts only low s.
        return signatures.Select(s => Secp256k1.NormalizeLowS(s).ToRsv()).ToArray();
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

    private static LegSubmissionException Failed(LegChunkToSign chunk, string reason, string? errorName, Exception? inner) =>
        new($"Epoch {chunk.EpochId} chunk {chunk.Chunk} on chain {chunk.ChainId}: {reason}", inner ?? new InvalidOperationException(reason))
        {
            EpochId = chunk.EpochId,
            Chunk = chunk.Chunk,
            ErrorName = errorName,
        };

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Chain {ChainId}: epoch {EpochId} chunk {Chunk} already applied; nothing sent")]
    private static partial void LogAlreadyApplied(ILogger logger, long chainId, ulong epochId, uint chunk);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Chain {ChainId}: epoch {EpochId} chunk {Chunk} ({ActionCount} actions) applied by {TransactionHash} in block {BlockNumber}, gas {GasUsed}")]
    private static partial void LogApplied(ILogger logger, long chainId, ulong epochId, uint chunk, int actionCount, DiscreteExec.Core.Bytes32 transactionHash, ulong blockNumber, ulong gasUsed);
}
