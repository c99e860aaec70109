using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Evm.Rpc;

/// <summary>One endpoint of a <see cref="QuorumEvmRpc"/>: its URL (for the logs) and its own client.</summary>
internal sealed record QuorumEndpoint(Uri Url, IEvmRpc Rpc);

/// <summary>
/// A JSON-RPC client over several endpoints of one chain that believes what a quorum of them says. Everything the
/// watcher and the escrow state read is asked of every endpoint: the logs of a range are accepted only when at least
/// <c>quorum</c> endpoints return the identical set of logs (else the range is read again), a block, call result or receipt only when a quorum
/// returns the same one, and the head is the highest block a quorum has reached. Every disagreement is logged with
/// the endpoint and what it said. A transaction is sent to every endpoint; fee and nonce reads take the first
/// endpoint that answers (a lie there costs fees or a retry, never funds). Each endpoint keeps its own retries.
/// </summary>
internal sealed partial class QuorumEvmRpc : IEvmRpc
{
    private readonly RpcQuorum<IEvmRpc> _quorum;
    private readonly ILogger<QuorumEvmRpc> _logger;

    public QuorumEvmRpc(IReadOnlyList<QuorumEndpoint> endpoints, int quorum, ILogger<QuorumEvmRpc> logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        _quorum = new RpcQuorum<IEvmRpc>([.. endpoints.Select(e => new QuorumMember<IEvmRpc>(e.Url, e.Rpc))], quorum, logger);
        _logger = logger;
    }

    public Task<ulong> ChainIdAsync(CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_chainId", (rpc, ct) => rpc.ChainIdAsync(ct), id => id.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>The highest block at least a quorum of endpoints has reached (heads differ honestly, so no disagreement is logged).</summary>
    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken)
    {
        var (answers, _) = await _quorum.AskAllAsync((rpc, ct) => rpc.BlockNumberAsync(ct), done => done.Count(a => a.Error is null) >= _quorum.Quorum, cancellationToken).ConfigureAwait(false);
        var heads = answers.Where(a => a.Error is null).Select(a => a.Value).OrderDescending().ToArray();
        return heads.Length >= _quorum.Quorum ? heads[_quorum.Quorum - 1] : throw _quorum.NoQuorum("eth_blockNumber", answers, "too few endpoints answered");
    }

    public Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_getBlockByNumber", (rpc, ct) => rpc.GetBlockAsync(block, ct), HeaderKey, cancellationToken);

    public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_getBlockByNumber (batch)", (rpc, ct) => rpc.GetBlocksAsync(numbers, ct), headers => string.Join(";", headers.Select(HeaderKey)), cancellationToken);

    /// <summary>
    /// The logs of the range when a quorum of endpoints answered with the identical set of logs, in chain order; else
    /// the no-quorum <see cref="ChainRpcException"/>, so the caller asks for the range again. Logs are never voted one
    /// by one: an endpoint that answered nothing (lagging, or hiding a log) would otherwise let a real log that only
    /// one endpoint returned be dropped and the range be taken as complete.
    /// </summary>
    public async Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        // Waits until a quorum agrees on one set, or too few endpoints are left for any set to reach a quorum.
        var (answers, pending) = await _quorum.AskAllAsync(
            (rpc, ct) => rpc.GetLogsAsync(filter, ct),
            done => LogSets(done).Any(g => g.Count() >= _quorum.Quorum)
                || LogSets(done).Select(g => g.Count()).DefaultIfEmpty(0).Max() + (_quorum.Endpoints.Count - done.Count) < _quorum.Quorum,
            cancellationToken).ConfigureAwait(false);
        var agreed = LogSets(answers).FirstOrDefault(g => g.Count() >= _quorum.Quorum);
        if (agreed is null)
        {
            throw _quorum.NoQuorum("eth_getLogs", answers, answers.Count(a => a.Error is null) < _quorum.Quorum ? "too few endpoints answered" : "the endpoints returned different logs");
        }

        var accepted = agreed.First().Value.DistinctBy(LogKey).ToDictionary(LogKey, StringComparer.Ordinal);
        void Check(QuorumAnswer<IEvmRpc, IReadOnlyList<EvmLog>> answer)
        {
            if (answer.Error is not null)
            {
                return;
            }

            foreach (var extra in answer.Value.Select(LogKey).Distinct(StringComparer.Ordinal).Where(k => !accepted.ContainsKey(k)))
            {
                LogRejected(_logger, answer.Endpoint.Url.ToString(), _quorum.Quorum, extra);
            }

            var returned = answer.Value.Select(LogKey).ToHashSet(StringComparer.Ordinal);
            foreach (var (_, log) in accepted.Where(a => !returned.Contains(a.Key)))
            {
                LogHidden(_logger, answer.Endpoint.Url, log.BlockNumber, log.TransactionHash, log.LogIndex);
            }
        }

        answers.ForEach(Check);
        _quorum.CheckLate(pending, Check);
        return [.. accepted.Values.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex)];
    }

    /// <summary>The successful answers grouped by the exact set of logs they returned (order and repeats aside).</summary>
    private static IEnumerable<IGrouping<string, QuorumAnswer<IEvmRpc, IReadOnlyList<EvmLog>>>> LogSets(IEnumerable<QuorumAnswer<IEvmRpc, IReadOnlyList<EvmLog>>> answers) =>
        answers.Where(a => a.Error is null)
            .GroupBy(a => string.Join("\n", a.Value.Select(LogKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)), StringComparer.Ordinal);

    public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_call", (rpc, ct) => rpc.CallAsync(call, block, ct), Convert.ToHexString, cancellationToken);

    public Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_call", (rpc, ct) => rpc.CallAtBlockHashAsync(call, blockHash, ct), Convert.ToHexString, cancellationToken);

    public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken) =>
        _quorum.AgreeAsync("eth_getTransactionReceipt", (rpc, ct) => rpc.GetTransactionReceiptAsync(transactionHash, ct), ReceiptKey, cancellationToken);

    /// <summary>Sent to every endpoint; the hash of the first that accepted it (the others may say it is known already).</summary>
    public async Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken)
    {
        var (answers, _) = await _quorum.AskAllAsync((rpc, ct) => rpc.SendRawTransactionAsync(raw, ct), _ => false, cancellationToken).ConfigureAwait(false);
        return answers.FirstOrDefault(a => a.Error is null) is { } sent ? sent.Value : throw answers[0].Error!;
    }

    public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => _quorum.FirstAsync((rpc, ct) => rpc.EstimateGasAsync(call, ct), cancellationToken);

    public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        _quorum.FirstAsync((rpc, ct) => rpc.GetTransactionCountAsync(account, block, ct), cancellationToken);

    public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        _quorum.FirstAsync((rpc, ct) => rpc.GetBalanceAsync(account, block, ct), cancellationToken);

    public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => _quorum.FirstAsync((rpc, ct) => rpc.MaxPriorityFeePerGasAsync(ct), cancellationToken);

    public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) =>
        _quorum.FirstAsync((rpc, ct) => rpc.FeeHistoryAsync(blockCount, newestBlock, rewardPercentile, ct), cancellationToken);

    public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
        _quorum.FirstAsync((rpc, ct) => rpc.RequestAsync(method, parameters, ct), cancellationToken);

    public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) =>
        _quorum.FirstAsync((rpc, ct) => rpc.BatchAsync(requests, ct), cancellationToken);

    private static string LogKey(EvmLog log) => string.Create(CultureInfo.InvariantCulture,
        $"{log.Address} {log.BlockNumber} {log.BlockHash} {log.TransactionHash} {log.LogIndex} {log.Removed} [{string.Join(",", log.Topics)}] {Convert.ToHexString(log.Data)}");

    private static string HeaderKey(BlockHeader? header) => header is null ? "null" : header.ToString();

    private static string ReceiptKey(TransactionReceipt? receipt) => receipt is null
        ? "null"
        : string.Create(CultureInfo.InvariantCulture, $"{receipt.TransactionHash} {receipt.BlockNumber} {receipt.BlockHash} {receipt.Succeeded} {receipt.GasUsed} {receipt.From} {receipt.To} {receipt.ContractAddress} [{string.Join(";", receipt.Logs.Select(LogKey))}]");

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "eth_getLogs: endpoint {Endpoint} returned a log the quorum ({Quorum} endpoints with the identical set of logs) did not: {Log}")]
    private static partial void LogRejected(ILogger logger, string endpoint, int quorum, string log);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "eth_getLogs: endpoint {Endpoint} did not return a log the quorum returned (block {BlockNumber}, tx {TransactionHash}, log {LogIndex})")]
    private static partial void LogHidden(ILogger logger, Uri endpoint, ulong blockNumber, Bytes32 transactionHash, int logIndex);
}
