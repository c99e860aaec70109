using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using DiscreteExec.Chains.Diagnostics;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Chains.Tests.Rpc;

/// <summary>The shared transport against a real HTTP server on 127.0.0.1: retries, the circuit breaker, error mapping.</summary>
public sealed class JsonRpcTransportTests
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    [Fact]
    public async Task Call_429Then503ThenResult_RetriesAndReturnsTheResult()
    {
        await using var server = new LocalRpcServer(
            _ => (HttpStatusCode.TooManyRequests, "slow down"),
            _ => (HttpStatusCode.ServiceUnavailable, "busy"),
            _ => LocalRpcServer.Result("42"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 3 });

        Assert.Equal(42, await transport.CallAsync("getSlot", _ => { }, r => r.GetInt32(), CancellationToken.None));
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task Call_WritesAJsonRpcRequestWithTheParameters()
    {
        await using var server = new LocalRpcServer(_ => LocalRpcServer.Result("\"ok\""));
        var transport = Transport(server.Url, new ChainRpcOptions());

        await transport.CallAsync("eth_getBalance", w => { w.WriteStringValue("0xabc"); w.WriteStringValue("latest"); }, r => r.GetString(), CancellationToken.None);

        using var request = JsonDocument.Parse(await server.Bodies.ReadAsync());
        Assert.Equal("2.0", request.RootElement.GetProperty("jsonrpc").GetString());
        Assert.Equal("eth_getBalance", request.RootElement.GetProperty("method").GetString());
        Assert.Equal(["0xabc", "latest"], request.RootElement.GetProperty("params").EnumerateArray().Select(p => p.GetString()));
    }

    [Fact]
    public async Task Call_ErrorObject_MapsToJsonRpcExceptionWithCodeMessageAndMethod()
    {
        await using var server = new LocalRpcServer(_ => LocalRpcServer.Error(-32601, "method not found", """{"hint":1}"""));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 3 });

        var error = await Assert.ThrowsAsync<JsonRpcException>(() => transport.CallAsync("eth_foo", _ => { }, r => r, CancellationToken.None));

        Assert.Equal(-32601, error.Code);
        Assert.Equal("method not found", error.RpcMessage);
        Assert.Equal("eth_foo", error.Method);
        Assert.Equal("""{"hint":1}""", error.Data);
        Assert.Equal(1, server.Requests); // not transient: never retried
    }

    [Fact]
    public async Task Call_ErrorTheAdapterNamesTransient_IsRetried()
    {
        await using var server = new LocalRpcServer(_ => LocalRpcServer.Error(-32005, "node is behind"), _ => LocalRpcServer.Result("7"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 2 }, isTransientError: e => e.Code == -32005);

        Assert.Equal(7, await transport.CallAsync("getBlockHeight", _ => { }, r => r.GetInt32(), CancellationToken.None));
        Assert.Equal(2, server.Requests);
    }

    [Fact]
    public async Task Call_AdapterErrorMapper_ThrowsTheAdaptersException()
    {
        await using var server = new LocalRpcServer(_ => LocalRpcServer.Error(3, "execution reverted", "\"0x1234\""));
        var transport = Transport(server.Url, new ChainRpcOptions(), mapError: (error, method) => new RevertedException(JsonRpcException.ErrorCode(error)) { Method = method });

        var error = await Assert.ThrowsAsync<RevertedException>(() => transport.CallAsync("eth_call", _ => { }, r => r, CancellationToken.None));
        Assert.Equal(3, error.Code);
        Assert.Equal("eth_call", error.Method);
    }

    [Fact]
    public async Task Call_Http401_IsANonTransientTransportErrorAndNotRetried()
    {
        await using var server = new LocalRpcServer(_ => (HttpStatusCode.Unauthorized, "no key"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 3 });

        var error = await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("eth_chainId", _ => { }, r => r, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.False(error.IsTransient);
        Assert.Equal("eth_chainId", error.Method);
        Assert.Equal(1, server.Requests);
    }

    [Fact]
    public async Task Call_TransientForever_GivesUpAfterMaxRetryAttemptsWithTheLastStatus()
    {
        await using var server = new LocalRpcServer(_ => (HttpStatusCode.BadGateway, "down"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 2 });

        var error = await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadGateway, error.StatusCode);
        Assert.True(error.IsTransient);
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task Call_ConnectionRefused_IsATransientTransportError()
    {
        Uri url;
        await using (var closed = new LocalRpcServer(_ => LocalRpcServer.Result("1")))
        {
            url = closed.Url;
        }

        var transport = Transport(url, new ChainRpcOptions { MaxRetryAttempts = 0 });
        var error = await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        Assert.True(error.IsTransient);
        Assert.Null(error.StatusCode);
    }

    [Fact]
    public async Task Call_EndpointKeepsFailing_CircuitOpensAndFailsFastWithoutARequest()
    {
        await using var server = new LocalRpcServer(_ => (HttpStatusCode.ServiceUnavailable, "down"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 0, CircuitBreakAfter = 3, CircuitBreakDuration = TimeSpan.FromMinutes(1) });
        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        }

        var open = await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));

        Assert.Contains("circuit", open.Message, StringComparison.Ordinal);
        Assert.True(open.IsTransient);
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task Call_CircuitOpen_ClosesAgainAfterTheBreakDurationOnTheFakeClock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = new LocalRpcServer(
            _ => (HttpStatusCode.ServiceUnavailable, "down"),
            _ => (HttpStatusCode.ServiceUnavailable, "down"),
            _ => LocalRpcServer.Result("5"));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 0, CircuitBreakAfter = 2, CircuitBreakDuration = TimeSpan.FromSeconds(30) }, time: time);
        await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        Assert.Equal(2, server.Requests);

        time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(5, await transport.CallAsync("getSlot", _ => { }, r => r.GetInt32(), CancellationToken.None));
        Assert.Equal(3, server.Requests);
    }

    [Fact]
    public async Task Call_ResponseWithNeitherResultNorError_IsATransportError()
    {
        await using var server = new LocalRpcServer(_ => (HttpStatusCode.OK, """{"jsonrpc":"2.0","id":1}"""));
        var transport = Transport(server.Url, new ChainRpcOptions { MaxRetryAttempts = 0 });

        var error = await Assert.ThrowsAsync<RpcTransportException>(() => transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None));
        Assert.Contains("neither result nor error", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_RecordsCallsAndErrorsWithTheChainTags()
    {
        var chain = new ChainId(770_001);
        var measured = new List<(string Instrument, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ChainTelemetry.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            var map = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if (Equals(map.GetValueOrDefault("chain.id"), chain.Value))
            {
                lock (measured)
                {
                    measured.Add((instrument.Name, map));
                }
            }
        });
        listener.Start();
        await using var server = new LocalRpcServer(_ => (HttpStatusCode.ServiceUnavailable, "busy"), _ => LocalRpcServer.Result("1"));
        var transport = new JsonRpcTransport(Http, new RpcEndpoint(server.Url, ChainKind.Solana, chain), RpcPipeline.Create(new ChainRpcOptions { MaxRetryAttempts = 1, RetryBaseDelay = TimeSpan.Zero }, new RpcEndpoint(server.Url, ChainKind.Solana, chain), _ => false, TimeProvider.System, NullLogger.Instance), NullLogger.Instance, TimeProvider.System);

        await transport.CallAsync("getSlot", _ => { }, r => r, CancellationToken.None);

        lock (measured)
        {
            Assert.Equal(2, measured.Count(m => m.Instrument == "discreteexec.chain.rpc.calls"));
            var error = Assert.Single(measured, m => m.Instrument == "discreteexec.chain.rpc.errors");
            Assert.Equal("http", error.Tags["error.type"]);
            Assert.Single(measured, m => m.Instrument == "discreteexec.chain.rpc.retries");
            Assert.All(measured, m => Assert.Equal("solana", m.Tags["chain.kind"]));
            Assert.All(measured, m => Assert.Equal("getSlot", m.Tags["rpc.method"]));
        }
    }

    private static JsonRpcTransport Transport(
        Uri url,
        ChainRpcOptions options,
        Func<JsonRpcException, bool>? isTransientError = null,
        Func<JsonElement, string, JsonRpcException>? mapError = null,
        TimeProvider? time = null)
    {
        options.Url = url;
        if (options.RetryBaseDelay == new ChainRpcOptions().RetryBaseDelay)
        {
            options.RetryBaseDelay = TimeSpan.Zero;
        }

        var endpoint = new RpcEndpoint(url, ChainKind.Evm, new ChainId(31337));
        var clock = time ?? TimeProvider.System;
        return new JsonRpcTransport(Http, endpoint, RpcPipeline.Create(options, endpoint, isTransientError ?? (_ => false), clock, NullLogger.Instance), NullLogger.Instance, clock, mapError);
    }

    private sealed class RevertedException(int code) : JsonRpcException(code, "reverted", null);
}
