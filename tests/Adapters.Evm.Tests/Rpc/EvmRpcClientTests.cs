using System.Net;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Rpc;

public class EvmRpcClientTests
{
    private static readonly ChainRpcOptions Fast = new()
    {
        MaxRetryAttempts = 4,
        RetryBaseDelay = TimeSpan.FromMilliseconds(1),
        AttemptTimeout = TimeSpan.FromMilliseconds(300),
    };

    [Fact]
    public async Task BlockNumber_After503And429AndRateLimitCode_RetriesUntilAnswered()
    {
        var handler = new ScriptedHandler(
            _ => Status(HttpStatusCode.ServiceUnavailable),
            _ => Status(HttpStatusCode.TooManyRequests),
            id => Json($$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32005,"message":"rate limit exceeded"}}"""),
            id => Json($$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":"0x2a"}"""));
        Assert.Equal(42UL, await Client(handler).BlockNumberAsync(CancellationToken.None));
        Assert.Equal(4, handler.Calls);
    }

    [Fact]
    public async Task Call_Revert_ThrowsNamedCustomErrorWithoutRetrying()
    {
        // ChunkAlreadyApplied(uint64,uint32) with (7, 3): cast calldata 'ChunkAlreadyApplied(uint64,uint32)' 7 3
        var data = "0x" + Convert.ToHexStringLower(AbiFunction.Parse("ChunkAlreadyApplied(uint64,uint32)").EncodeCall(7UL, 3U));
        var handler = new ScriptedHandler(id => Json($$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":3,"message":"execution reverted","data":"{{{data}}}"}}"""));
        var error = await Assert.ThrowsAsync<EvmRevertException>(() => Client(handler).CallAsync(new CallRequest(EvmAddress.Zero, []), BlockTag.Latest, CancellationToken.None));
        Assert.Equal("ChunkAlreadyApplied", error.ErrorName);
        Assert.Equal(System.Numerics.BigInteger.Parse("7"), error.Error!.Arguments[0]);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Request_OtherJsonRpcError_IsTypedAndNotRetried()
    {
        var handler = new ScriptedHandler(id => Json($$$"""{"jsonrpc":"2.0","id":{{{id}}},"error":{"code":-32601,"message":"method not found"}}"""));
        var error = await Assert.ThrowsAsync<JsonRpcException>(() => Client(handler).ChainIdAsync(CancellationToken.None));
        Assert.Equal(-32601, error.Code);
        Assert.Equal("eth_chainId", error.Method);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Request_SlowAnswer_TimesOutAndRetries()
    {
        var handler = new ScriptedHandler(_ => null, id => Json($$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":"0x1"}"""));
        Assert.Equal(1UL, await Client(handler).ChainIdAsync(CancellationToken.None));
        Assert.Equal(2, handler.Calls);
    }

    [Fact]
    public async Task Request_CallerCancels_IsNotRetried()
    {
        using var cancel = new CancellationTokenSource();
        var handler = new ScriptedHandler(_ =>
        {
            cancel.Cancel();
            return null;
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler).ChainIdAsync(cancel.Token));
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Request_Http401_IsAConfigurationErrorAndNotRetried()
    {
        var handler = new ScriptedHandler(_ => Status(HttpStatusCode.Unauthorized));
        var error = await Assert.ThrowsAsync<RpcTransportException>(() => Client(handler).ChainIdAsync(CancellationToken.None));
        Assert.False(error.IsTransient);
        Assert.Equal(1, handler.Calls);
    }

    [Fact]
    public async Task Batch_ResponsesOutOfOrder_AreReturnedInRequestOrder()
    {
        var handler = new ScriptedHandler(_ => Json("""
            [{"jsonrpc":"2.0","id":2,"result":{"number":"0x2","hash":"0x2222222222222222222222222222222222222222222222222222222222222222","parentHash":"0x1111111111111111111111111111111111111111111111111111111111111111","timestamp":"0x10"}},
             {"jsonrpc":"2.0","id":1,"result":{"number":"0x1","hash":"0x1111111111111111111111111111111111111111111111111111111111111111","parentHash":"0x0000000000000000000000000000000000000000000000000000000000000000","timestamp":"0x0f","baseFeePerGas":"0x3b9aca00"}}]
            """));
        var headers = await Client(handler).GetBlocksAsync([1, 2], CancellationToken.None);
        Assert.Equal([1UL, 2UL], headers.Select(h => h!.Number));
        Assert.Equal(new System.Numerics.BigInteger(1_000_000_000), headers[0]!.BaseFeePerGas);
        Assert.Contains("\"method\":\"eth_getBlockByNumber\"", handler.Bodies[0], StringComparison.Ordinal);
        Assert.StartsWith("[", handler.Bodies[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLogs_WritesTheFilterAndParsesLogs()
    {
        var handler = new ScriptedHandler(id => Json($$$"""
            {"jsonrpc":"2.0","id":{{{id}}},"result":[{"address":"0x5fbdb2315678afecb367f032d93f642f64180aa3","topics":["0x7cf78f0f2462ca98fd9c3448cedeb5cc337a525204af4b2b2d8b639cdfdf6068"],"data":"0x01","blockNumber":"0x5","blockHash":"0x5555555555555555555555555555555555555555555555555555555555555555","transactionHash":"0x6666666666666666666666666666666666666666666666666666666666666666","logIndex":"0x2","removed":false}]}
            """));
        var escrow = EvmAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
        var logs = await Client(handler).GetLogsAsync(new LogFilter(1, 5, escrow, [IntentOpenedDecoder.Topic0]), CancellationToken.None);
        var log = Assert.Single(logs);
        Assert.Equal(IntentOpenedDecoder.Topic0, log.Topics[0]);
        Assert.Equal(2, log.LogIndex);
        Assert.Contains("\"fromBlock\":\"0x1\",\"toBlock\":\"0x5\",\"address\":\"0x5fbdb2315678afecb367f032d93f642f64180aa3\",\"topics\":[[\"0x7cf78f0f", handler.Bodies[0], StringComparison.Ordinal);
    }

    private static EvmRpcClient Client(ScriptedHandler handler) =>
        new(new HttpClient(handler), new RpcEndpoint(new Uri("http://127.0.0.1:8545/"), ChainKind.Evm, new ChainId(31337)), Fast, IntentEscrowAbi.Abi, NullLogger<EvmRpcClient>.Instance);

    private static HttpResponseMessage Status(HttpStatusCode code) => new(code) { Content = new StringContent("busy") };

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };

    /// <summary>Answers each request with the next scripted response (the last repeats); null means "never answer".</summary>
    private sealed class ScriptedHandler(params Func<long, HttpResponseMessage?>[] script) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        public List<string> Bodies { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsStringAsync(cancellationToken);
            Bodies.Add(body);
            var id = System.Text.Json.JsonDocument.Parse(body).RootElement is { ValueKind: System.Text.Json.JsonValueKind.Object } o ? o.GetProperty("id").GetInt64() : 0;
            var step = script[Math.Min(Calls, script.Length - 1)];
            Calls++;
            var response = step(id);
            if (response is null)
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return response!;
        }
    }
}
