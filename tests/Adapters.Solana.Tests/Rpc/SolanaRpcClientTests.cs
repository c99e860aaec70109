using System.Net;
using System.Text;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;

namespace DiscreteExec.Adapters.Solana.Tests.Rpc;

public sealed class SolanaRpcClientTests
{
    [Fact]
    public async Task Call_429Then500ThenOk_RetriesAndReturns()
    {
        var handler = new ScriptedHandler(
            _ => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError),
            _ => Json("""{"jsonrpc":"2.0","id":1,"result":42}"""));
        var client = Client(handler);

        Assert.Equal(42ul, await client.GetSlotAsync(Commitment.Confirmed, default));
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Call_NodeBehind_RetriedThenSucceeds()
    {
        var handler = new ScriptedHandler(
            _ => Json("""{"jsonrpc":"2.0","id":1,"error":{"code":-32005,"message":"Node is behind by 42 slots"}}"""),
            _ => Json("""{"jsonrpc":"2.0","id":1,"result":7}"""));
        Assert.Equal(7ul, await Client(handler).GetBlockHeightAsync(Commitment.Confirmed, default));
    }

    [Fact]
    public async Task Call_ConnectionDropped_RetriedThenSucceeds()
    {
        var handler = new ScriptedHandler(
            _ => throw new HttpRequestException("connection reset"),
            _ => Json("""{"jsonrpc":"2.0","id":1,"result":1}"""));
        Assert.Equal(1ul, await Client(handler).GetSlotAsync(Commitment.Confirmed, default));
    }

    [Fact]
    public async Task Call_BadRequest_NotRetriedAndTyped()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.BadRequest));
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => Client(handler).GetSlotAsync(Commitment.Confirmed, default));
        Assert.Equal(HttpStatusCode.BadRequest, ex.StatusCode);
        Assert.False(ex.IsTransient);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Call_TransientForever_GivesUpWithTypedError()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => Client(handler, retries: 2).GetSlotAsync(Commitment.Confirmed, default));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ex.StatusCode);
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task SendTransaction_PreflightCustomError_ThrowsWithNameAndLogsWithoutRetry()
    {
        var handler = new ScriptedHandler(_ => Json("""
            {"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"Transaction simulation failed: Error processing Instruction 2: custom program error: 0x16",
             "data":{"err":{"InstructionError":[2,{"Custom":22}]},"logs":["Program X invoke [1]","Program X failed: custom program error: 0x16"]}}}
            """));
        var ex = await Assert.ThrowsAsync<SolanaTransactionException>(() => Client(handler).SendTransactionAsync([1, 2, 3], new SendOptions(), default));
        Assert.Equal("ChunkAlreadyApplied", ex.Error.ProgramErrorName);
        Assert.Equal(2, ex.Error.InstructionIndex);
        Assert.Equal(22u, ex.Error.CustomCode);
        Assert.Equal(2, ex.Logs.Count);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task SendTransaction_BlockhashNotFound_Typed()
    {
        var handler = new ScriptedHandler(_ => Json("""{"jsonrpc":"2.0","id":1,"error":{"code":-32002,"message":"x","data":{"err":"BlockhashNotFound","logs":[]}}}"""));
        var ex = await Assert.ThrowsAsync<SolanaTransactionException>(() => Client(handler).SendTransactionAsync([1], new SendOptions(), default));
        Assert.True(ex.Error.IsBlockhashNotFound);
    }

    [Fact]
    public async Task SendTransaction_RequestBody_HasBase64AndPreflightCommitment()
    {
        string? body = null;
        var handler = new ScriptedHandler(r =>
        {
            body = r.Content!.ReadAsStringAsync().GetAwaiter().GetResult();
            return Json("""{"jsonrpc":"2.0","id":1,"result":"sig"}""");
        });
        Assert.Equal("sig", await Client(handler).SendTransactionAsync([1, 2, 3], new SendOptions(), default));
        Assert.Contains("\"method\":\"sendTransaction\"", body);
        Assert.Contains("\"AQID\"", body);
        Assert.Contains("\"encoding\":\"base64\"", body);
        Assert.Contains("\"preflightCommitment\":\"confirmed\"", body);
    }

    [Fact]
    public async Task Call_CancelledByCaller_ThrowsOperationCanceledWithoutRetry()
    {
        using var cts = new CancellationTokenSource();
        var handler = new ScriptedHandler(_ =>
        {
            cts.Cancel();
            throw new TaskCanceledException();
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler).GetSlotAsync(Commitment.Confirmed, cts.Token));
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task GetTransaction_Shapes_Parsed()
    {
        var handler = new ScriptedHandler(_ => Json("""
            {"jsonrpc":"2.0","id":1,"result":{"slot":9,"blockTime":1700000000,"meta":{"err":null,"logMessages":["Program data: AQ=="]},"transaction":["", "base64"]}}
            """));
        var tx = await Client(handler).GetTransactionAsync("s", Commitment.Finalized, default);
        Assert.NotNull(tx);
        Assert.Equal(9ul, tx.Slot);
        Assert.Null(tx.Error);
        Assert.Equal(["Program data: AQ=="], tx.LogMessages);
    }

    private static SolanaRpcClient Client(HttpMessageHandler handler, int retries = 5) =>
        new(new HttpClient(handler), new SolanaClusterOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/"), MaxRetryAttempts = retries, RetryBaseDelay = TimeSpan.Zero },
            ChainId = 1,
            ProgramId = "11111111111111111111111111111111",
        });

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] steps) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var step = steps[Math.Min(Calls, steps.Length - 1)];
            Calls++;
            return Task.FromResult(step(request));
        }
    }
}

public sealed class SolanaRpcClientShapeTests
{
    [Fact]
    public async Task Call_UnexpectedResultShape_TypedErrorNotRetried()
    {
        var calls = 0;
        var handler = new LambdaHandler(() =>
        {
            calls++;
            return new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"result":{"nothing":1}}""") };
        });
        var client = new SolanaRpcClient(new HttpClient(handler), new SolanaClusterOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1/"), RetryBaseDelay = TimeSpan.Zero },
            ChainId = 1,
            ProgramId = "11111111111111111111111111111111",
        });
        var ex = await Assert.ThrowsAsync<ChainRpcException>(() => client.GetLatestBlockhashAsync(Commitment.Confirmed, default));
        Assert.Contains("unexpected response shape", ex.Message);
        Assert.Equal(1, calls);
    }

    private sealed class LambdaHandler(Func<HttpResponseMessage> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => Task.FromResult(respond());
    }
}
