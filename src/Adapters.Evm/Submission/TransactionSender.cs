using System.Numerics;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>How a send ended: our transaction mined (with its receipt), or another transaction took the nonce.</summary>
public sealed record SendOutcome(TransactionReceipt? Receipt, ulong Nonce)
{
    /// <summary>The account's nonce was used by a transaction that is not one of ours (a replacement sent elsewhere).</summary>
    public bool NonceTakenByOther => Receipt is null;
}

/// <summary>
/// Sends EIP-1559 transactions from one account with one in flight at a time: picks the nonce, prices from
/// eth_feeHistory (base fee trend and a percentile of recent tips, <see cref="FeePolicy"/>) within the configured caps, resubmits at the same nonce with bumped fees when a transaction is
/// not mined within <c>ResubmitAfterBlocks</c>, adopts a replacement mined by someone else, and waits until the
/// receipt is buried under the confirmation depth (re-broadcasting if a reorg drops it).
/// </summary>
public sealed partial class TransactionSender : IDisposable
{
    private readonly IEvmRpc _rpc;
    private readonly ITransactionSigner _signer;
    private readonly EvmChainOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _inFlight = new(1, 1);

    /// <summary>Polls in a row that must see our nonce used with no receipt of ours before it counts as taken by another transaction.</summary>
    internal const int ForeignNonceChecks = 3;

    public TransactionSender(IEvmRpc rpc, ITransactionSigner signer, EvmChainOptions options, TimeProvider timeProvider, ILogger<TransactionSender> logger)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _signer = signer ?? throw new ArgumentNullException(nameof(signer));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public EvmAddress Account => _signer.Address;

    public void Dispose() => _inFlight.Dispose();

    /// <summary>Sends a call to <paramref name="to"/> and waits for it to be confirmed (or for its nonce to be taken by another transaction).</summary>
    public async Task<SendOutcome> SendAsync(EvmAddress to, byte[] data, ulong gasLimit, CancellationToken cancellationToken)
    {
        await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SendLockedAsync(to, data, gasLimit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inFlight.Release();
        }
    }

    private async Task<SendOutcome> SendLockedAsync(EvmAddress to, byte[] data, ulong gasLimit, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + _options.ConfirmationTimeout;
        var nonce = await _rpc.GetTransactionCountAsync(Account, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var offer = await SuggestFeesAsync(cancellationToken).ConfigureAwait(false);
        var (tip, maxFee) = (offer.Tip, offer.MaxFee);
        var sent = new List<SignedTransaction>();

        while (true)
        {
            var transaction = new Eip1559Transaction
            {
                ChainId = _options.ChainId,
                Nonce = nonce,
                MaxPriorityFeePerGas = tip,
                MaxFeePerGas = maxFee,
                GasLimit = gasLimit,
                To = to,
                Data = data,
            };
            var signed = await _signer.SignAsync(transaction, cancellationToken).ConfigureAwait(false);
            sent.Add(signed);
            await BroadcastAsync(signed, cancellationToken).ConfigureAwait(false);
            var sentAt = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
            var foreignNonceChecks = 0;
            LogSent(_logger, _options.ChainId, signed.Hash, nonce, maxFee);

            while (true)
            {
                if (_time.GetUtcNow() > deadline)
                {
                    throw new ChunkSubmissionException($"Transaction at nonce {nonce} from {Account} was not confirmed within {_options.ConfirmationTimeout}.");
                }

                var mined = await FindReceiptAsync(sent, cancellationToken).ConfigureAwait(false);
                if (mined is not null)
                {
                    var confirmed = await WaitForDepthAsync(mined, sent, deadline, cancellationToken).ConfigureAwait(false);
                    if (confirmed is not null)
                    {
                        return new SendOutcome(confirmed, nonce);
                    }

                    // Reorganised out before the depth: put our newest version back in the pool and wait again.
                    await BroadcastAsync(sent[^1], cancellationToken).ConfigureAwait(false);
                    sentAt = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var latestNonce = await _rpc.GetTransactionCountAsync(Account, BlockTag.Latest, cancellationToken).ConfigureAwait(false);
                if (latestNonce > nonce)
                {
                    // Our nonce is used but none of our hashes has a receipt: it may be a replacement sent elsewhere, or
                    // one of ours that the node counts in the nonce before it serves the receipt (anvil does, for a
                    // moment). Adopt only after ForeignNonceChecks polls still find none of ours.
                    if (++foreignNonceChecks >= ForeignNonceChecks)
                    {
                        LogNonceTaken(_logger, _options.ChainId, nonce, Account);
                        return new SendOutcome(null, nonce);
                    }

                    await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                foreignNonceChecks = 0;

                var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
                if (head >= sentAt + (ulong)_options.ResubmitAfterBlocks)
                {
                    var (bumpedTip, bumpedFee) = Bump(tip, maxFee);
                    if (bumpedFee > maxFee || bumpedTip > tip)
                    {
                        ChainTelemetry.Resubmissions.Add(1, ChainTelemetry.Tags(ChainKind.Evm, _options.Chain));
                        LogBump(_logger, _options.ChainId, nonce, head - sentAt, bumpedFee);
                        (tip, maxFee) = (bumpedTip, bumpedFee);
                        break;
                    }

                    // At the fee cap: re-broadcast the same transaction (a node may have dropped it) and keep waiting.
                    await BroadcastAsync(sent[^1], cancellationToken).ConfigureAwait(false);
                    sentAt = head;
                }

                await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task BroadcastAsync(SignedTransaction signed, CancellationToken cancellationToken)
    {
        try
        {
            await _rpc.SendRawTransactionAsync(signed.Raw, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException e) when (IsBenignSendError(e))
        {
            // The node already has it, it was mined already (a retried send after a lost response), or an earlier
            // version at this nonce is still priced higher: the receipt and nonce checks decide what happened.
            LogSendRejected(_logger, _options.ChainId, signed.Hash, e.RpcMessage);
        }
    }

    private static bool IsBenignSendError(JsonRpcException e) =>
        e is not EvmRevertException
        && (e.RpcMessage.Contains("already known", StringComparison.OrdinalIgnoreCase)
            || e.RpcMessage.Contains("known transaction", StringComparison.OrdinalIgnoreCase)
            || e.RpcMessage.Contains("nonce too low", StringComparison.OrdinalIgnoreCase)
            || e.RpcMessage.Contains("already imported", StringComparison.OrdinalIgnoreCase)
            || e.RpcMessage.Contains("underpriced", StringComparison.OrdinalIgnoreCase));

    private async Task<TransactionReceipt?> FindReceiptAsync(List<SignedTransaction> sent, CancellationToken cancellationToken)
    {
        for (var i = sent.Count - 1; i >= 0; i--)
        {
            var receipt = await _rpc.GetTransactionReceiptAsync(sent[i].Hash, cancellationToken).ConfigureAwait(false);
            if (receipt is not null)
            {
                return receipt;
            }
        }

        return null;
    }

    /// <summary>The receipt once buried under the confirmation depth with an unchanged block hash; null if it was reorganised out.</summary>
    private async Task<TransactionReceipt?> WaitForDepthAsync(TransactionReceipt receipt, List<SignedTransaction> sent, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var depth = (ulong)_options.ConfirmationDepth;
        while (true)
        {
            var head = await _rpc.BlockNumberAsync(cancellationToken).ConfigureAwait(false);
            if (head >= receipt.BlockNumber + depth)
            {
                var again = await FindReceiptAsync(sent, cancellationToken).ConfigureAwait(false);
                if (again is null)
                {
                    return null;
                }

                if (again.BlockHash == receipt.BlockHash)
                {
                    return again;
                }

                receipt = again;
                continue;
            }

            if (_time.GetUtcNow() > deadline)
            {
                throw new ChunkSubmissionException($"Transaction {receipt.TransactionHash} did not reach {depth} confirmations within {_options.ConfirmationTimeout}.");
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The first offer (<see cref="FeePolicy"/>): from eth_feeHistory over <c>FeeHistoryBlocks</c> blocks (next base fee,
    /// its trend, the <c>TipPercentile</c> of recent tips); a node without eth_feeHistory is priced from the latest
    /// block's base fee and eth_maxPriorityFeePerGas; a tip nobody reports falls back to the tip cap.
    /// </summary>
    internal async Task<FeeChoice> SuggestFeesAsync(CancellationToken cancellationToken)
    {
        FeeHistory? history = null;
        try
        {
            history = await _rpc.FeeHistoryAsync(_options.FeeHistoryBlocks, BlockTag.Latest, _options.TipPercentile, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException e) when (e is not EvmRevertException)
        {
            LogNoFeeHistory(_logger, _options.ChainId, e.RpcMessage);
        }

        FeeChoice choice;
        if (history is { BaseFeePerGas.Count: > 0 })
        {
            var tip = FeePolicy.TipFromHistory(history) ?? await NodeTipAsync(cancellationToken).ConfigureAwait(false);
            choice = FeePolicy.Choose(history.NextBaseFee, FeePolicy.ProjectBaseFee(history, _options.ResubmitAfterBlocks), tip, _options);
        }
        else
        {
            var latest = await _rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
            var baseFee = latest?.BaseFeePerGas ?? BigInteger.Zero;
            choice = FeePolicy.Choose(baseFee, baseFee, await NodeTipAsync(cancellationToken).ConfigureAwait(false), _options);
        }

        if (choice.MaxFee < choice.NextBaseFee)
        {
            LogFeeCapBelowBaseFee(_logger, _options.ChainId, _options.MaxFeePerGasWei, choice.NextBaseFee);
        }

        LogFees(_logger, _options.ChainId, choice.NextBaseFee, choice.ProjectedBaseFee, choice.Tip, choice.MaxFee);
        return choice;
    }

    private async Task<BigInteger> NodeTipAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _rpc.MaxPriorityFeePerGasAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (JsonRpcException)
        {
            // Not every node implements eth_maxPriorityFeePerGas; fall back to the cap.
            return _options.MaxPriorityFeePerGasWei;
        }
    }

    /// <summary>Both fees raised by FeeBumpPercent (rounded up, so a replacement always outbids), within the caps.</summary>
    internal (BigInteger Tip, BigInteger MaxFee) Bump(BigInteger tip, BigInteger maxFee)
    {
        var factor = 100 + _options.FeeBumpPercent;
        // A zero tip (a quiet chain's percentile) must still rise, or nodes refuse the replacement as underpriced.
        var newTip = BigInteger.Min(BigInteger.Max(((tip * factor) + 99) / 100, tip + 1), _options.MaxPriorityFeePerGasWei);
        var newFee = BigInteger.Min(((maxFee * factor) + 99) / 100, _options.MaxFeePerGasWei);
        return (BigInteger.Min(newTip, newFee), newFee);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Chain {ChainId}: sent {TransactionHash} at nonce {Nonce}, max fee {MaxFeePerGas} wei")]
    private static partial void LogSent(ILogger logger, ulong chainId, Bytes32 transactionHash, ulong nonce, BigInteger maxFeePerGas);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Chain {ChainId}: nonce {Nonce} not mined after {Blocks} blocks; resubmitting with max fee {MaxFeePerGas} wei")]
    private static partial void LogBump(ILogger logger, ulong chainId, ulong nonce, ulong blocks, BigInteger maxFeePerGas);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Chain {ChainId}: nonce {Nonce} of {Account} was used by a transaction that is not ours; adopting it")]
    private static partial void LogNonceTaken(ILogger logger, ulong chainId, ulong nonce, EvmAddress account);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Chain {ChainId}: node did not take {TransactionHash}: {Reason}")]
    private static partial void LogSendRejected(ILogger logger, ulong chainId, Bytes32 transactionHash, string reason);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Information, Message = "Chain {ChainId}: fees from the chain: next base fee {NextBaseFee}, projected {ProjectedBaseFee}, tip {Tip}, max fee {MaxFeePerGas} wei")]
    private static partial void LogFees(ILogger logger, ulong chainId, BigInteger nextBaseFee, BigInteger projectedBaseFee, BigInteger tip, BigInteger maxFeePerGas);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Chain {ChainId}: eth_feeHistory failed ({Reason}); pricing from the latest block's base fee")]
    private static partial void LogNoFeeHistory(ILogger logger, ulong chainId, string reason);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Chain {ChainId}: fee cap {MaxFeePerGasWei} is below the base fee {BaseFee}; the transaction waits until the base fee falls")]
    private static partial void LogFeeCapBelowBaseFee(ILogger logger, ulong chainId, long maxFeePerGasWei, BigInteger baseFee);
}
