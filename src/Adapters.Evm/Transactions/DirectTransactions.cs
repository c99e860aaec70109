using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Rpc;

namespace DiscreteExec.Adapters.Evm.Transactions;

/// <summary>
/// One transaction signed, sent and waited for, with no fee management or replacement: for set-up work on local
/// and test chains (deploying, minting, funding, acting as a user). Settlement goes through TransactionSender.
/// </summary>
public static class DirectTransactions
{
    /// <summary>
    /// Sends <paramref name="data"/> to <paramref name="to"/> (null: contract creation) from <paramref name="from"/>
    /// at its pending nonce with estimated gas plus 25%, and waits for the receipt; a revert or no receipt within
    /// <paramref name="timeout"/> throws.
    /// </summary>
    public static async Task<TransactionReceipt> SendAndWaitAsync(
        this IEvmRpc rpc, EvmKey from, ulong chainId, EvmAddress? to, byte[] data, TimeProvider time, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(time);
        var nonce = await rpc.GetTransactionCountAsync(from.Address, BlockTag.Pending, cancellationToken).ConfigureAwait(false);
        var gas = await rpc.EstimateGasAsync(new CallRequest(to, data) { From = from.Address }, cancellationToken).ConfigureAwait(false);
        var signed = new Eip1559Transaction
        {
            ChainId = chainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 50_000_000_000,
            GasLimit = gas + (gas / 4),
            To = to,
            Data = data,
        }.Sign(from);
        await rpc.SendRawTransactionAsync(signed.Raw, cancellationToken).ConfigureAwait(false);
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < timeout)
        {
            if (await rpc.GetTransactionReceiptAsync(signed.Hash, cancellationToken).ConfigureAwait(false) is { } receipt)
            {
                return receipt.Succeeded ? receipt : throw new InvalidOperationException($"Transaction {signed.Hash} from {from.Address} reverted.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
        }

        throw new TimeoutException($"Transaction {signed.Hash} from {from.Address} was not mined within {timeout.TotalSeconds:0} s.");
    }
}
