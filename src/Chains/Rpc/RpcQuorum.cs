using Microsoft.Extensions.Logging;

namespace DiscreteExec.Chains.Rpc;

/// <summary>One endpoint of an <see cref="RpcQuorum{TClient}"/>: its URL (for the logs) and its own client.</summary>
public sealed record QuorumMember<TClient>(Uri Url, TClient Client);

/// <summary>What one endpoint answered: its value, or the failure (then <see cref="Value"/> is the default).</summary>
public sealed record QuorumAnswer<TClient, T>(QuorumMember<TClient> Endpoint, T Value, Exception? Error);

/// <summary>
/// Asks several endpoints of one chain the same question and believes what a quorum (a majority) of them answers
/// identically; every other answer is logged with its endpoint. The EVM and Solana quorum clients are built on it.
/// </summary>
public sealed class RpcQuorum<TClient>
{
    private readonly ILogger _logger;

    public RpcQuorum(IReadOnlyList<QuorumMember<TClient>> endpoints, int quorum, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentOutOfRangeException.ThrowIfLessThan(endpoints.Count, 1, nameof(endpoints));
        ArgumentOutOfRangeException.ThrowIfLessThan(quorum, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quorum, endpoints.Count);
        if (quorum * 2 <= endpoints.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(quorum), quorum, $"A quorum must be a majority of the {endpoints.Count} endpoints: {quorum} of them, not a majority, could decide what is believed.");
        }

        Endpoints = endpoints;
        Quorum = quorum;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    public IReadOnlyList<QuorumMember<TClient>> Endpoints { get; }

    public int Quorum { get; }

    /// <summary>
    /// The answer a quorum gives (compared by <paramref name="key"/>); each other answer is logged. When a quorum
    /// failed, the first failure is rethrown (a revert stays a revert). <paramref name="merge"/> makes one answer of the
    /// agreeing ones (they share a key but may differ elsewhere, such as the slot each endpoint answered at); without
    /// it the first is returned.
    /// </summary>
    public async Task<T> AgreeAsync<T>(string method, Func<TClient, CancellationToken, Task<T>> call, Func<T, string> key, CancellationToken cancellationToken, Func<IEnumerable<T>, T>? merge = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var (answers, pending) = await AskAllAsync(
            call,
            done => done.Where(a => a.Error is null).GroupBy(a => key(a.Value)).Any(g => g.Count() >= Quorum) || done.Count(a => a.Error is not null) >= Quorum,
            cancellationToken).ConfigureAwait(false);
        var groups = answers.Where(a => a.Error is null).GroupBy(a => key(a.Value)).OrderByDescending(g => g.Count()).ToArray();
        if (groups.Length == 0 || groups[0].Count() < Quorum)
        {
            var failures = answers.Where(a => a.Error is not null).ToArray();
            throw failures.Length >= Quorum ? failures[0].Error! : NoQuorum(method, answers, "the endpoints disagree");
        }

        var agreed = groups[0].Key;
        void Check(QuorumAnswer<TClient, T> answer)
        {
            if (answer.Error is not OperationCanceledException && (answer.Error is not null || key(answer.Value) != agreed))
            {
                RpcQuorumLog.Disagreement(_logger, method, answer.Endpoint.Url, Quorum, Endpoints.Count, RpcQuorumLog.Shorten(answer.Error?.Message ?? key(answer.Value)), RpcQuorumLog.Shorten(agreed));
            }
        }

        answers.ForEach(Check);
        CheckLate(pending, Check);
        return merge is null ? groups[0].First().Value : merge(groups[0].Select(a => a.Value));
    }

    /// <summary>The first endpoint that answers, in configured order (for reads a lie cannot turn into lost funds).</summary>
    public async Task<T> FirstAsync<T>(Func<TClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        Exception? first = null;
        foreach (var endpoint in Endpoints)
        {
            try
            {
                return await call(endpoint.Client, cancellationToken).ConfigureAwait(false);
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
    public async Task<(List<QuorumAnswer<TClient, T>> Done, List<Task<QuorumAnswer<TClient, T>>> Pending)> AskAllAsync<T>(
        Func<TClient, CancellationToken, Task<T>> call, Func<IReadOnlyList<QuorumAnswer<TClient, T>>, bool> decided, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decided);
        var pending = Endpoints.Select(e => AskAsync(e, call, cancellationToken)).ToList();
        var done = new List<QuorumAnswer<TClient, T>>();
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
    public void CheckLate<T>(List<Task<QuorumAnswer<TClient, T>>> pending, Action<QuorumAnswer<TClient, T>> check)
    {
        ArgumentNullException.ThrowIfNull(pending);
        foreach (var late in pending)
        {
            _ = late.ContinueWith(t => check(t.Result), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        }
    }

    /// <summary>The failure when no quorum agrees, naming every endpoint and what it did.</summary>
    public ChainRpcException NoQuorum<T>(string method, IReadOnlyList<QuorumAnswer<TClient, T>> answers, string why) =>
        new($"{method}: no {Quorum} of {Endpoints.Count} endpoints agree ({why}): " +
            string.Join("; ", answers.Select(a => $"{a.Endpoint.Url} {(a.Error is null ? "answered" : "failed: " + a.Error.Message)}")))
        { Method = method };

    private static async Task<QuorumAnswer<TClient, T>> AskAsync<T>(QuorumMember<TClient> endpoint, Func<TClient, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return new QuorumAnswer<TClient, T>(endpoint, await call(endpoint.Client, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Exception e) when (e is ChainRpcException or OperationCanceledException)
        {
            return new QuorumAnswer<TClient, T>(endpoint, default!, e);
        }
    }
}

/// <summary>The quorum's log lines (a generic type cannot hold source-generated log methods).</summary>
internal static partial class RpcQuorumLog
{
    public static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(EventId = 3201, Level = LogLevel.Warning, Message = "{Method}: endpoint {Endpoint} disagrees with the quorum ({Quorum} of {Endpoints}): it said {Answer}; the quorum said {Agreed}")]
    public static partial void Disagreement(ILogger logger, string method, Uri endpoint, int quorum, int endpoints, string answer, string agreed);
}
