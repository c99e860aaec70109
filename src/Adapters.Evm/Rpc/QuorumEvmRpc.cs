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
    private readonly IReadOnlyList<QuorumEndpoint> _endpoints;
    private readonly int _quorum;
    private readonly ILogger<QuorumEvmRpc> _logger;

    public QuorumEvmRpc(IReadOnlyList<QuorumEndpoint> endpoints, int quorum, ILogger<QuorumEvmRpc> logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(endpoints.Count, 1, nameof(endpoints));
        ArgumentOutOfRangeException.ThrowIfLessThan(quorum, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quorum, endpoints.Count);
        if (quorum * 2 <= endpoints.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(quorum), quorum, $"A quorum must be a majority of the {endpoints.Count} endpoints: {quorum} of them, not a majority, could decide what is believed.");
        }

        _endpoints = endpoints;
        _quorum = quorum;
        _logger = logger;
    }

    public Task<ulong> ChainIdAsync(CancellationToken cancellationToken) =>
        AgreeAsync("eth_chainId", (rpc, ct) => rpc.ChainIdAsync(ct), id => id.ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <summary>The highest block at least a quorum of endpoints has reached (heads differ honestly, so no disagreement is logged).</summary>
    public async Task<ulong> BlockNumberAsync(CancellationToken cancellationToken)
    {
        var (answers, _) = await AskAllAsync((rpc, ct) => rpc.BlockNumberAsync(ct), done => done.Count(a => a.Error is null) >= _quorum, cancellationToken).ConfigureAwait(false);
        var heads = answers.Where(a => a.Error is null).Select(a => a.Value).OrderDescending().ToArray();
        return heads.Length >= _quorum ? heads[_quorum - 1] : throw NoQuorum("eth_blockNumber", answers, "too few endpoints answered");
    }

    public Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) =>
        AgreeAsync("eth_getBlockByNumber", (rpc, ct) => rpc.GetBlockAsync(block, ct), HeaderKey, cancellationToken);

    public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) =>
        AgreeAsync("eth_getBlockByNumber (batch)", (rpc, ct) => rpc.GetBlocksAsync(numbers, ct), headers => string.Join(";", headers.Select(HeaderKey)), cancellationToken);

    /// <summary>
    /// The logs of the range when a quorum of endpoints answered with the identical set of logs, in chain order; else
    /// the no-quorum <see cref="ChainRpcException"/>, so the caller asks for the range again. Logs are never voted one
    /// by one: an endpoint that answered nothing (lagging, or hiding a log) would otherwise let a real log that only
    /// one endpoint returned be dropped and the range be taken as complete.
    /// </summary>
    public async Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken)
    {
        // Waits until a quorum agrees on one set, or too few endpoints are left for any set to reach a quorum.
        var (answers, pending) = await AskAllAsync(
            (rpc, ct) => rpc.GetLogsAsync(filter, ct),
            done => LogSets(done).Any(g => g.Count() >= _quorum)
                || LogSets(done).Select(g => g.Count()).DefaultIfEmpty(0).Max() + (_endpoints.Count - done.Count) < _quorum,
            cancellationToken).ConfigureAwait(false);
        var agreed = LogSets(answers).FirstOrDefault(g => g.Count() >= _quorum);
        if (agreed is null)
        {
            throw NoQuorum("eth_getLogs", answers, answers.Count(a => a.Error is null) < _quorum ? "too few endpoints answered" : "the endpoints returned different logs");
        }

        var accepted = agreed.First().Value.DistinctBy(LogKey).ToDictionary(LogKey, StringComparer.Ordinal);
        void Check(Answer<IReadOnlyList<EvmLog>> answer)
        {
            if (answer.Error is not null)
            {
                return;
            }

            foreach (var extra in answer.Value.Select(LogKey).Distinct(StringComparer.Ordinal).Where(k => !accepted.ContainsKey(k)))
            {
                LogRejected(_logger, answer.Endpoint.Url.ToString(), _quorum, extra);
            }

            var returned = answer.Value.Select(LogKey).ToHashSet(StringComparer.Ordinal);
            foreach (var (_, log) in accepted.Where(a => !returned.Contains(a.Key)))
            {
                LogHidden(_logger, answer.Endpoint.Url, log.BlockNumber, log.TransactionHash, log.LogIndex);
            }
        }

        answers.ForEach(Check);
        CheckLate(pending, Check);
        return [.. accepted.Values.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex)];
    }

    /// <summary>The successful answers grouped by the exact set of logs they returned (order and repeats aside).</summary>
    private static IEnumerable<IGrouping<string, Answer<IReadOnlyList<EvmLog>>>> LogSets(IEnumerable<Answer<IReadOnlyList<EvmLog>>> answers) =>
        answers.Where(a => a.Error is null)
            .GroupBy(a => string.Join("\n", a.Value.Select(LogKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)), StringComparer.Ordinal);

    public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) =>
        AgreeAsync("eth_call", (rpc, ct) => rpc.CallAsync(call, block, ct), Convert.ToHexString, cancellationToken);

    public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken) =>
        AgreeAsync("eth_getTransactionReceipt", (rpc, ct) => rpc.GetTransactionReceiptAsync(transactionHash, ct), ReceiptKey, cancellationToken);

    /// <summary>Sent to every endpoint; the hash of the first that accepted it (the others may say it is known already).</summary>
    public async Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken)
    {
        var (answers, _) = await AskAllAsync((rpc, ct) => rpc.SendRawTransactionAsync(raw, ct), _ => false, cancellationToken).ConfigureAwait(false);
        return answers.FirstOrDefault(a => a.Error is null) is { } sent ? sent.Value : throw answers[0].Error!;
    }

    public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => FirstAsync((rpc, ct) => rpc.EstimateGasAsync(call, ct), cancellationToken);

    public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        FirstAsync((rpc, ct) => rpc.GetTransactionCountAsync(account, block, ct), cancellationToken);

    public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) =>
        FirstAsync((rpc, ct) => rpc.GetBalanceAsync(account, block, ct), cancellationToken);

    public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => FirstAsync((rpc, ct) => rpc.MaxPriorityFeePerGasAsync(ct), cancellationToken);

    public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) =>
        FirstAsync((rpc, ct) => rpc.FeeHistoryAsync(blockCount, newestBlock, rewardPercentile, ct), cancellationToken);

    public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
        FirstAsync((rpc, ct) => rpc.RequestAsync(method, parameters, ct), cancellationToken);

    public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) =>
        FirstAsync((rpc, ct) => rpc.BatchAsync(requests, ct), cancellationToken);

    /// <summary>The answer a quorum gives; each other answer is logged. When a quorum failed, the first failure is rethrown (a revert stays a revert).</summary>
    private async Task<T> AgreeAsync<T>(string method, Func<IEvmRpc, CancellationToken, Task<T>> call, Func<T, string> key, CancellationToken cancellationToken)
    {
        var (answers, pending) = await AskAllAsync(
            call,
            done => done.Where(a => a.Error is null).GroupBy(a => key(a.Value)).Any(g => g.Count() >= _quorum) || done.Count(a => a.Error is not null) >= _quorum,
            cancellationToken).ConfigureAwait(false);
        var groups = answers.Where(a => a.Error is null).GroupBy(a => key(a.Value)).OrderByDescending(g => g.Count()).ToArray();
        if (groups.Length == 0 || groups[0].Count() < _quorum)
        {
            var failures = answers.Where(a => a.Error is not null).ToArray();
            throw failures.Length >= _quorum ? failures[0].Error! : NoQuorum(method, answers, "the endpoints disagree");
        }

        var agreed = groups[0].Key;
        void Check(Answer<T> answer)
        {
            if (answer.Error is not OperationCanceledException && (answer.Error is not null || key(answer.Value) != agreed))
            {
                LogDisagreement(_logger, method, answer.Endpoint.Url, _quorum, _endpoints.Count, Shorten(answer.Error?.Message ?? key(answer.Value)), Shorten(agreed));
            }
        }

        answers.ForEach(Check);
        CheckLate(pending, Check);
        return groups[0].First().Value;
    }

    private async Task<T> FirstAsync<T>(Func<IEvmRpc, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        Exception? first = null;
        foreach (var endpoint in _endpoints)
        {
            try
            {
                return await call(endpoint.Rpc, cancellationToken).ConfigureAwait(false);
            }
            catch (ChainRpcException e) when (!cancellationToken.IsCancellationRequested)
            {
                first ??= e;
            }
        }

        throw first!;
    }

    /// <summary>
    /// Asks every endpoint at once and returns the answers so far as soon as <paramref name="decided"/> says they suffice
    /// (or all answered), with the endpoints still busy: their answers are checked when they come (<see cref="CheckLate"/>).
    /// </summary>
    private async Task<(List<Answer<T>> Done, List<Task<Answer<T>>> Pending)> AskAllAsync<T>(
        Func<IEvmRpc, CancellationToken, Task<T>> call, Func<IReadOnlyList<Answer<T>>, bool> decided, CancellationToken cancellationToken)
    {
        var pending = _endpoints.Select(e => AskAsync(e, call, cancellationToken)).ToList();
        var done = new List<Answer<T>>();
        while (pending.Count > 0)
        {
            var next = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(next);
            done.Add(await next.ConfigureAwait(false));
            if (decided(done))
            {
                break;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return (done, pending);
    }

    /// <summary>Checks (and logs) the answers of endpoints slower than the quorum without making the caller wait for them.</summary>
    private static void CheckLate<T>(List<Task<Answer<T>>> pending, Action<Answer<T>> check)
    {
        foreach (var late in pending)
        {
            _ = late.ContinueWith(t => check(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    private static async Task<Answer<T>> AskAsync<T>(QuorumEndpoint endpoint, Func<IEvmRpc, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return new Answer<T>(endpoint, await call(endpoint.Rpc, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is ChainRpcException or OperationCanceledException)
        {
            return new Answer<T>(endpoint, default!, e);
        }
    }

    private ChainRpcException NoQuorum<T>(string method, IReadOnlyList<Answer<T>> answers, string why) =>
        new($"{method}: no {_quorum} of {_endpoints.Count} endpoints agree ({why}): " +
            string.Join("; ", answers.Select(a => $"{a.Endpoint.Url} {(a.Error is null ? "answered" : "failed: " + a.Error.Message)}")))
        { Method = method };

    private static string LogKey(EvmLog log) => string.Create(CultureInfo.InvariantCulture,
        $"{log.Address} {log.BlockNumber} {log.BlockHash} {log.TransactionHash} {log.LogIndex} {log.Removed} [{string.Join(",", log.Topics)}] {Convert.ToHexString(log.Data)}");

    private static string HeaderKey(BlockHeader? header) => header is null ? "null" : header.ToString();

    private static string ReceiptKey(TransactionReceipt? receipt) => receipt is null
        ? "null"
        : string.Create(CultureInfo.InvariantCulture, $"{receipt.TransactionHash} {receipt.BlockNumber} {receipt.BlockHash} {receipt.Succeeded} {receipt.GasUsed} {receipt.From} {receipt.To} {receipt.ContractAddress} [{string.Join(";", receipt.Logs.Select(LogKey))}]");

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    private sealed record Answer<T>(QuorumEndpoint Endpoint, T Value, Exception? Error);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "{Method}: endpoint {Endpoint} disagrees with the quorum ({Quorum} of {Endpoints}): it said {Answer}; the quorum said {Agreed}")]
    private static partial void LogDisagreement(ILogger logger, string method, Uri endpoint, int quorum, int endpoints, string answer, string agreed);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Warning, Message = "eth_getLogs: endpoint {Endpoint} returned a log the quorum ({Quorum} endpoints with the identical set of logs) did not: {Log}")]
    private static partial void LogRejected(ILogger logger, string endpoint, int quorum, string log);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "eth_getLogs: endpoint {Endpoint} did not return a log the quorum returned (block {BlockNumber}, tx {TransactionHash}, log {LogIndex})")]
    private static partial void LogHidden(ILogger logger, Uri endpoint, ulong blockNumber, Bytes32 transactionHash, int logIndex);
}
