using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>
/// Opens many intents on the devnet's EVM escrow with few round trips: each depositor's nonce is read once and then
/// counted locally, every open of a batch is signed up front and sent in one JSON-RPC batch, and the receipts are
/// read back together. The intent id comes from each receipt's IntentOpened log, so the order in which anvil mines
/// the batch does not matter. Depositors must hold and have approved the tokens (see <see cref="TrafficGenerator"/>).
/// </summary>
internal sealed class EvmOpenPipeline(EvmDevChain chain, TimeProvider time)
{
    /// <summary>Gas for one open: the measured cost is ~150k (a new intent record and a token transfer); anvil refunds what is unused.</summary>
    private const ulong OpenGasLimit = 400_000;

    private static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(30);
    private static readonly Bytes32 IntentOpenedTopic = IntentEscrowAbi.Abi.Event("IntentOpened").Topic0;

    private readonly Dictionary<EvmAddress, ulong> _nonces = [];

    /// <summary>Opens every intent (in one batch), each from its depositor; returns their ids in the same order.</summary>
    public async Task<IReadOnlyList<Bytes32>> OpenAsync(IReadOnlyList<(EvmKey Depositor, IntentParams Intent)> opens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(opens);
        if (opens.Count == 0)
        {
            return [];
        }

        await LoadNoncesAsync(opens.Select(o => o.Depositor.Address).Distinct().Where(a => !_nonces.ContainsKey(a)).ToArray(), cancellationToken).ConfigureAwait(false);
        var signed = opens.Select(o => Sign(o.Depositor, o.Intent)).ToArray();
        try
        {
            await chain.Rpc.BatchAsync([.. signed.Select(s => new RpcRequest("eth_sendRawTransaction", [Hex.Encode(s.Raw)]))], cancellationToken).ConfigureAwait(false);
            return await IntentIdsAsync(signed, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A refused or lost transaction leaves the local nonces ahead of the chain: read them again next time.
            _nonces.Clear();
            throw;
        }
    }

    private async Task LoadNoncesAsync(IReadOnlyList<EvmAddress> accounts, CancellationToken cancellationToken)
    {
        if (accounts.Count == 0)
        {
            return;
        }

        var counts = await chain.Rpc.BatchAsync([.. accounts.Select(a => new RpcRequest("eth_getTransactionCount", [a.ToLowerHex(), BlockTag.Pending]))], cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < accounts.Count; i++)
        {
            _nonces[accounts[i]] = Hex.DecodeQuantity(counts[i].GetString()!);
        }
    }

    private SignedTransaction Sign(EvmKey depositor, IntentParams intent)
    {
        var nonce = _nonces[depositor.Address];
        _nonces[depositor.Address] = nonce + 1;
        return new Eip1559Transaction
        {
            ChainId = EvmDevChain.ChainIdValue,
            Nonce = nonce,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 50_000_000_000,
            GasLimit = OpenGasLimit,
            To = chain.Escrow,
            Data = IntentEscrowAbi.Open(intent),
        }.Sign(depositor);
    }

    private async Task<IReadOnlyList<Bytes32>> IntentIdsAsync(IReadOnlyList<SignedTransaction> signed, CancellationToken cancellationToken)
    {
        var ids = new Bytes32[signed.Count];
        var pending = Enumerable.Range(0, signed.Count).ToList();
        var started = time.GetTimestamp();
        while (pending.Count > 0)
        {
            var receipts = await Task.WhenAll(pending.Select(i => chain.Rpc.GetTransactionReceiptAsync(signed[i].Hash, cancellationToken))).ConfigureAwait(false);
            var stillPending = new List<int>();
            for (var k = 0; k < pending.Count; k++)
            {
                var i = pending[k];
                if (receipts[k] is not { } receipt)
                {
                    stillPending.Add(i);
                    continue;
                }

                ids[i] = IntentIdOf(receipt, signed[i]);
            }

            pending = stillPending;
            if (pending.Count == 0)
            {
                break;
            }

            if (time.GetElapsedTime(started) > ReceiptTimeout)
            {
                throw new DevnetException(string.Create(CultureInfo.InvariantCulture,
                    $"{pending.Count} of {signed.Count} EVM opens were not mined within {ReceiptTimeout.TotalSeconds} s (first: {signed[pending[0]].Hash})."));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(10), time, cancellationToken).ConfigureAwait(false);
        }

        return ids;
    }

    private Bytes32 IntentIdOf(TransactionReceipt receipt, SignedTransaction transaction)
    {
        if (!receipt.Succeeded)
        {
            throw new DevnetException($"The EVM open {transaction.Hash} (nonce {transaction.Transaction.Nonce}) reverted.");
        }

        var opened = receipt.Logs.FirstOrDefault(l => l.Address == chain.Escrow && l.Topics.Count > 1 && l.Topics[0] == IntentOpenedTopic)
            ?? throw new DevnetException($"The EVM open {transaction.Hash} succeeded but emitted no IntentOpened.");
        return opened.Topics[1];
    }
}
