using System.Net;
using System.Text;
using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Solana.Tests.Programs;

/// <summary>
/// <see cref="EscrowState.PoolBalanceAtAsync"/> behind a load-balanced endpoint (one URL, several nodes at different
/// slots), with the real client: a node lagging the one that answered the pool must not answer the pool's history, or
/// a Fund the balance already includes goes unseen and the live pool passes for the pool at the cursor. The simulated
/// nodes answer <c>minContextSlot</c> as Solana's do (-32016 below it).
/// </summary>
public sealed class PoolAtCursorLoadBalancedTests
{
    private const ulong Cursor = 100, AheadSlot = 120, BehindSlot = 105, FundSlot = 110;
    private const ulong PoolAtCursor = 5_000, PoolAfterFund = 5_700;
    private const string Deposit = "deposit-at-90", Fund = "fund-at-110";

    private static readonly SolanaClusterOptions Options = new()
    {
        Rpc = new() { Url = new Uri("http://127.0.0.1:1/"), MaxRetryAttempts = 2, RetryBaseDelay = TimeSpan.Zero },
        ChainId = 900001,
        ProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw",
    };

    private static readonly Bytes32 Mint = Bytes32.FromUInt64(77);

    [Fact]
    public async Task PoolBalanceAt_HistoryAnsweredByANodeBehindTheBalancesNode_NeverReturnsThePoolMovedAfterTheCursor()
    {
        var balancer = new LoadBalancer();
        var state = new EscrowState(new SolanaRpcClient(new HttpClient(balancer), Options), Options);

        var refused = await Assert.ThrowsAnyAsync<JsonRpcException>(() => state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));

        Assert.Equal(-32016, refused.Code);
        Assert.Equal(AheadSlot, balancer.HistoryMinContextSlots.Distinct().Single()); // tied to the slot the pool was read at
        Assert.Equal(new[] { Cursor }, balancer.PoolMinContextSlots);
    }

    [Fact]
    public async Task PoolBalanceAt_PoolReadBelowTheCursor_RefusedNamingBothSlots()
    {
        // A node that ignores minContextSlot and answers from below the cursor: its pool is older than the cursor's.
        var balancer = new LoadBalancer { PoolAnsweredAt = Cursor - 1, IgnoresMinContextSlot = true };
        var state = new EscrowState(new SolanaRpcClient(new HttpClient(balancer), Options), Options);

        var refused = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));

        Assert.Contains($"at slot {Cursor - 1}, below the cursor's {Cursor}", refused.Message, StringComparison.Ordinal);
        Assert.Empty(balancer.HistoryMinContextSlots);
    }

    [Fact]
    public async Task PoolBalanceAt_BothNodesCaughtUp_SeesTheFundAndRefuses()
    {
        var balancer = new LoadBalancer { HistoryNodeSlot = AheadSlot };
        var state = new EscrowState(new SolanaRpcClient(new HttpClient(balancer), Options), Options);

        var refused = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));

        Assert.Contains(Fund, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolBalanceAt_NothingMovedThePoolAfterTheCursor_ReturnsIt()
    {
        var balancer = new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false };
        var state = new EscrowState(new SolanaRpcClient(new HttpClient(balancer), Options), Options);

        Assert.Equal((UInt256)PoolAtCursor, await state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));
    }

    [Fact]
    public async Task PoolBalanceAt_QuorumWithAnEndpointReportingASlotNobodyReached_TheHonestTwoAnswer()
    {
        // Its pool content is the honest one, its slot 2^62: were the history read tied to the highest slot among the
        // endpoints that agree on the pool, every honest node would refuse it (-32016) for good.
        var liar = new LoadBalancer { PoolAnsweredAt = 1UL << 62, HistoryNodeSlot = AheadSlot, FundLanded = false };
        var state = QuorumState(liar, new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false }, new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false });

        Assert.Equal((UInt256)PoolAtCursor, await state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));
    }

    [Fact]
    public async Task PoolBalanceAt_QuorumWithAnEndpointHidingTheFund_TheHonestTwoRefuse()
    {
        // The liar answers a quiet history and the pool before the Fund (a consistent lie); the two honest endpoints
        // both see the Fund after the cursor: the pool at the cursor is unknown, and a quorum says so.
        var liar = new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false };
        var state = QuorumState(liar, new LoadBalancer { HistoryNodeSlot = AheadSlot }, new LoadBalancer { HistoryNodeSlot = AheadSlot });

        var refused = await Assert.ThrowsAsync<PoolNotAtCursorException>(() => state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));

        Assert.Contains(Fund, refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolBalanceAt_QuorumWithAnEndpointAnsweringAnUndecodablePool_TheHonestTwoAnswer()
    {
        var liar = new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false, Owner = "11111111111111111111111111111111" };
        var state = QuorumState(liar, new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false }, new LoadBalancer { HistoryNodeSlot = AheadSlot, FundLanded = false });

        Assert.Equal((UInt256)PoolAtCursor, await state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));
    }

    [Fact]
    public async Task PoolBalanceAt_QuorumWithALiarALaggingNodeAndACaughtUpNode_NeverThePoolAfterTheFund()
    {
        // The liar claims the pool after the Fund with a quiet history; the lagging node (slot 105) answers the pool
        // before the Fund, which is the pool at the cursor; the caught-up node sees the Fund: no two agree.
        var liar = new LoadBalancer { HistoryNodeSlot = AheadSlot, HidesFund = true };
        var lagging = new LoadBalancer { PoolAnsweredAt = BehindSlot, HistoryNodeSlot = BehindSlot };
        var state = QuorumState(liar, lagging, new LoadBalancer { HistoryNodeSlot = AheadSlot });

        var noQuorum = await Assert.ThrowsAsync<ChainRpcException>(() => state.PoolBalanceAtAsync(Mint, new ChainCursor(Cursor, string.Empty), default));

        Assert.Contains("no 2 of 3 endpoints agree", noQuorum.Message, StringComparison.Ordinal);
    }

    private static EscrowState QuorumState(params LoadBalancer[] endpoints)
    {
        var clients = endpoints.Select((e, i) => new QuorumMember<ISolanaRpc>(new Uri($"http://endpoint-{i}.invalid/"), new SolanaRpcClient(new HttpClient(e), Options))).ToArray();
        var quorum = new RpcQuorum<ISolanaRpc>(clients, 2, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        return new EscrowState(new QuorumSolanaRpc(quorum), Options);
    }

    /// <summary>
    /// One URL: getAccountInfo reaches the node at <see cref="PoolAnsweredAt"/> (which saw the Fund at slot 110 when
    /// it landed), getSignaturesForAddress the node at <see cref="HistoryNodeSlot"/>, getTransaction the ahead node.
    /// </summary>
    private sealed class LoadBalancer : HttpMessageHandler
    {
        public ulong PoolAnsweredAt { get; init; } = AheadSlot;

        public ulong HistoryNodeSlot { get; init; } = BehindSlot;

        public bool IgnoresMinContextSlot { get; init; }

        public bool FundLanded { get; init; } = true;

        public string Owner { get; init; } = Options.ProgramId;

        /// <summary>Lists no Fund in the pool's history even though it landed (and its pool includes it): a lie.</summary>
        public bool HidesFund { get; init; }

        public List<ulong> PoolMinContextSlots { get; } = [];

        public List<ulong> HistoryMinContextSlots { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            using var body = JsonDocument.Parse(await request.Content!.ReadAsStringAsync(cancellationToken));
            var method = body.RootElement.GetProperty("method").GetString();
            var parameters = body.RootElement.GetProperty("params");
            ulong? minContextSlot = parameters.GetArrayLength() > 1 && parameters[1].TryGetProperty("minContextSlot", out var min) ? min.GetUInt64() : null;
            return method switch
            {
                "getAccountInfo" => Pool(minContextSlot),
                "getSignaturesForAddress" => History(minContextSlot),
                "getSlot" => Result(AheadSlot.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                "getTransaction" => Result("null"), // the ahead node's answer does not matter once the Fund is listed
                _ => throw new InvalidOperationException($"unexpected {method}"),
            };
        }

        private HttpResponseMessage Pool(ulong? minContextSlot)
        {
            if (minContextSlot is { } min)
            {
                PoolMinContextSlots.Add(min);
                if (!IgnoresMinContextSlot && min > PoolAnsweredAt)
                {
                    return Behind(PoolAnsweredAt);
                }
            }

            var data = new byte[EscrowPool.Size];
            data[0] = 2;
            Mint.ToArray().CopyTo(data, 8);
            BitConverter.TryWriteBytes(data.AsSpan(72), FundLanded && PoolAnsweredAt >= FundSlot ? PoolAfterFund : PoolAtCursor);
            var value = $$"""{"lamports":1,"owner":"{{Owner}}","data":["{{Convert.ToBase64String(data)}}","base64"],"executable":false,"rentEpoch":0}""";
            return Result($$"""{"context":{"slot":{{PoolAnsweredAt}}},"value":{{value}}}""");
        }

        private HttpResponseMessage History(ulong? minContextSlot)
        {
            if (minContextSlot is { } min)
            {
                HistoryMinContextSlots.Add(min);
                if (min > HistoryNodeSlot)
                {
                    return Behind(HistoryNodeSlot);
                }
            }

            var entries = new List<string>();
            if (FundLanded && HistoryNodeSlot >= FundSlot && !HidesFund)
            {
                entries.Add($$"""{"signature":"{{Fund}}","slot":{{FundSlot}},"err":null,"memo":null,"blockTime":null}""");
            }

            entries.Add($$"""{"signature":"{{Deposit}}","slot":90,"err":null,"memo":null,"blockTime":null}""");
            return Result($"[{string.Join(',', entries)}]");
        }

        private static HttpResponseMessage Behind(ulong at) =>
            Json("""{"jsonrpc":"2.0","id":1,"error":{"code":-32016,"message":"Minimum context slot has not been reached","data":{"contextSlot":""" + at.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}}");

        private static HttpResponseMessage Result(string result) => Json($$"""{"jsonrpc":"2.0","id":1,"result":{{result}}}""");

        private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
