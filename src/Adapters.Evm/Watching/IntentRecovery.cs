using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>An intent rebuilt for a deposit nonce whose IntentOpened the scan never returned.</summary>
internal sealed record RecoveredIntent(Intent Intent, ChainPosition Position, Bytes32 BlockHash);

/// <summary>
/// Reads the escrow's deposit counter and rebuilds a missed intent: <c>intentIdOf(nonce)</c> and <c>intentOf(id)</c>
/// from state at the scanned-to block, and — because the escrow stores only depositor, token, amount, deadline and
/// status — the IntentOpened log fetched by its intent id (topic 1), which must agree with state on every stored field.
/// Cost per missing nonce: 2 eth_call + 1 eth_getLogs per MaxBlockRange window searched back from the scanned-to block
/// (one when the deposit is recent).
/// </summary>
internal sealed class IntentRecovery
{
    private readonly IEvmRpc _rpc;
    private readonly IntentOpenedDecoder _decoder;
    private readonly ChainId _chainId;
    private readonly EvmAddress _escrow;
    private readonly ulong _startBlock;
    private readonly int _maxBlockRange;

    public IntentRecovery(IEvmRpc rpc, ChainId chainId, EvmAddress escrow, ulong startBlock, int maxBlockRange)
    {
        _rpc = rpc;
        _chainId = chainId;
        _escrow = escrow;
        _startBlock = startBlock;
        _maxBlockRange = maxBlockRange;
        _decoder = new IntentOpenedDecoder(chainId, escrow);
    }

    /// <summary>The escrow's next deposit nonce (= deposits so far) at <paramref name="block"/>; 0 before the escrow existed.</summary>
    public async Task<ulong> ReadCounterAsync(ulong block, CancellationToken cancellationToken)
    {
        var output = await _rpc.CallAsync(new CallRequest(_escrow, IntentEscrowAbi.Nonce()), BlockTag.Number(block), cancellationToken).ConfigureAwait(false);

        // No code at that block (a start block before the deployment): no deposit yet.
        return output.Length == 0 ? 0 : IntentEscrowAbi.DecodeUInt256(output).AsUInt64;
    }

    /// <summary>Rebuilds the intent of <paramref name="nonce"/> as of <paramref name="block"/>; throws <see cref="IntentRecoveryException"/> when chain data disagree.</summary>
    public async Task<RecoveredIntent> RecoverAsync(ulong nonce, ulong block, CancellationToken cancellationToken)
    {
        var at = BlockTag.Number(block);
        var id = IntentEscrowAbi.DecodeBytes32(
            await _rpc.CallAsync(new CallRequest(_escrow, IntentEscrowAbi.IntentIdOf(nonce)), at, cancellationToken).ConfigureAwait(false));
        var expected = IntentId.Compute(_chainId, _escrow.ToBytes32(), nonce);
        if (id != expected)
        {
            throw new IntentRecoveryException($"intentIdOf({nonce}) at block {block} is {id}, not {expected}: the escrow is not the one configured.");
        }

        var stored = IntentEscrowAbi.DecodeIntentOf(
            await _rpc.CallAsync(new CallRequest(_escrow, IntentEscrowAbi.IntentOf(id)), at, cancellationToken).ConfigureAwait(false));
        if (stored.Status == 0)
        {
            throw new IntentRecoveryException($"the escrow stores no intent {id} (nonce {nonce}) at block {block}.");
        }

        var logs = await FindOpenedLogsAsync(id, block, cancellationToken).ConfigureAwait(false);
        var problems = new List<string>();
        foreach (var log in logs)
        {
            if (log.Removed || log.Address != _escrow || log.BlockNumber > block || log.Topics.Count < 2 || log.Topics[1] != id)
            {
                continue;
            }

            Intent intent;
            try
            {
                intent = _decoder.Decode(log.Topics, log.Data);
            }
            catch (Exception e) when (e is EscrowLogException or AbiDecodingException)
            {
                problems.Add($"log in block {log.BlockNumber} does not decode: {e.Message}");
                continue;
            }

            var disagreements = Disagreements(intent, nonce, stored);
            if (disagreements.Length > 0)
            {
                problems.Add($"log in block {log.BlockNumber} disagrees with state on {disagreements}");
                continue;
            }

            var position = new ChainPosition
            {
                BlockNumber = log.BlockNumber,
                BlockHash = log.BlockHash.ToString(),
                TransactionId = log.TransactionHash.ToString(),
                LogIndex = log.LogIndex,
            };
            return new RecoveredIntent(intent, position, log.BlockHash);
        }

        throw new IntentRecoveryException(problems.Count == 0
            ? $"no IntentOpened for intent {id} (nonce {nonce}) in blocks {_startBlock}-{block}, though the escrow stores it."
            : $"no IntentOpened for intent {id} (nonce {nonce}) agrees with state at block {block}: {string.Join("; ", problems)}.");
    }

    /// <summary>
    /// The IntentOpened logs of <paramref name="id"/> at or below <paramref name="block"/>, searched in windows of at most
    /// MaxBlockRange blocks from the newest down (a missed deposit is usually recent), halving a window the node
    /// refuses as too large: providers that cap eth_getLogs ranges are the ones that drop logs.
    /// </summary>
    private Task<IReadOnlyList<EvmLog>> FindOpenedLogsAsync(Bytes32 id, ulong block, CancellationToken cancellationToken) =>
        NewestFirstLogSearch.FindAsync(
            _rpc, (from, to) => new LogFilter(from, to, _escrow, [IntentOpenedDecoder.Topic0], id), _ => true, _startBlock, block, _maxBlockRange, cancellationToken);

    private static string Disagreements(Intent intent, ulong nonce, StoredIntent stored)
    {
        var fields = new List<string>();
        if (intent.DepositNonce != nonce)
        {
            fields.Add($"nonce ({intent.DepositNonce} vs {nonce})");
        }

        if (intent.Depositor != stored.Depositor.ToBytes32())
        {
            fields.Add($"depositor ({intent.Depositor} vs {stored.Depositor})");
        }

        if (intent.InputToken != stored.InputToken.ToBytes32())
        {
            fields.Add($"inputToken ({intent.InputToken} vs {stored.InputToken})");
        }

        if (intent.InputAmount != stored.InputAmount)
        {
            fields.Add($"inputAmount ({intent.InputAmount} vs {stored.InputAmount})");
        }

        if (intent.FillDeadline != stored.FillDeadline)
        {
            fields.Add($"fillDeadline ({intent.FillDeadline} vs {stored.FillDeadline})");
        }

        return string.Join(", ", fields);
    }
}

/// <summary>A missed intent whose log and stored state disagree (or whose log cannot be found): refused, and retried at the next reconciliation.</summary>
internal sealed class IntentRecoveryException : Exception
{
    public IntentRecoveryException(string message)
        : base(message)
    {
    }

    public IntentRecoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public IntentRecoveryException()
    {
    }
}
