using System.Collections;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;
using DiscreteExec.Relayer.Tests.Node.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Hosting;

/// <summary>The host with one EVM chain answering on a real local JSON-RPC listener and one whose RPC port is closed.</summary>
public sealed class NodeHostStartupTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private readonly NodeConfigFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public async Task Start_OneRpcUnreachable_ServesTheOtherRetriesOnTheTimeProviderAndStopsCleanly()
    {
        await using var rpc = new LocalHttpServer(body => (200, """{"jsonrpc":"2.0","id":1,"result":"0xaa36a7"}"""));
        var good = _fixture.Chain(0);
        good["Adapter"]!["Rpc"] = new JsonObject { ["Url"] = rpc.Url.ToString(), ["AttemptTimeout"] = "00:05:00" };
        var down = (JsonObject)good.DeepClone();
        down["Name"] = "down";
        down["ChainId"] = 5;
        down["Adapter"]!["Rpc"]!["Url"] = $"http://127.0.0.1:{LocalHttpServer.FreePort()}/";
        _fixture.Config["Chains"] = new JsonArray(good.DeepClone(), down);
        _fixture.Config["Assets"]![0]!["Tokens"]!.AsArray().RemoveAt(1);
        var configuration = NodeOptionsLoader.Load(_fixture.Write(), new Hashtable());
        var time = new TimerSignalingTimeProvider(ChainStartupService.MaxRetryDelay);
        var logs = new CapturingLoggerProvider();
        using var host = NodeHost.CreateBuilder(configuration, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Logging.ClearProviders().AddProvider(logs);
        }).Build();
        var readiness = host.Services.GetRequiredService<ChainReadiness>();

        await host.StartAsync(CancellationToken.None);
        await readiness.WhenReadyAsync("sepolia", CancellationToken.None).WaitAsync(Generous);
        var first = await logs.WaitForAsync(e => e.EventId == 1001 && e.Message.Contains("Chain down", StringComparison.Ordinal)).WaitAsync(Generous);
        Assert.Contains("(attempt 1)", first.Message, StringComparison.Ordinal);
        Assert.False(readiness.IsReady("down"));

        await time.RetryDelayScheduled.ReadAsync().AsTask().WaitAsync(Generous);
        time.Advance(ChainStartupService.MaxRetryDelay);
        var second = await logs.WaitForAsync(e => e.EventId == 1001 && e.Message.Contains("Chain down", StringComparison.Ordinal)).WaitAsync(Generous);
        Assert.Contains("(attempt 2)", second.Message, StringComparison.Ordinal);

        await host.StopAsync(CancellationToken.None).WaitAsync(Generous);
        await logs.WaitForAsync(e => e.EventId == 1003 && e.Message.Contains("Chain down", StringComparison.Ordinal)).WaitAsync(Generous);
        Assert.True(readiness.IsReady("sepolia"));
        Assert.False(readiness.IsReady("down"));
    }

    [Fact]
    public async Task Start_RpcAnswersForAnotherChainId_StopsTheNodeNamingTheChainAndBothIdsWithoutRetrying()
    {
        await using var rpc = new LocalHttpServer(body => (200, """{"jsonrpc":"2.0","id":1,"result":"0x1"}"""));
        var chain = _fixture.Chain(0);
        chain["Adapter"]!["Rpc"] = new JsonObject { ["Url"] = rpc.Url.ToString(), ["AttemptTimeout"] = "00:05:00" };
        _fixture.Config["Chains"] = new JsonArray(chain.DeepClone());
        _fixture.Config["Assets"]![0]!["Tokens"]!.AsArray().RemoveAt(1);
        var configuration = NodeOptionsLoader.Load(_fixture.Write(), new Hashtable());
        var logs = new CapturingLoggerProvider();
        using var host = NodeHost.CreateBuilder(configuration, builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider());
            builder.Logging.ClearProviders().AddProvider(logs);
        }).Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var stopping = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStopping.Register(stopping.SetResult);

        try
        {
            await host.StartAsync(CancellationToken.None);
        }
        catch (OperationCanceledException)
        {
            // The check can stop the host while later services are still starting: that is the outcome under test.
        }

        await stopping.Task.WaitAsync(Generous);

        var failure = Assert.Single(host.Services.GetRequiredService<ChainStartupFailures>().Messages);
        Assert.Contains("chain 'sepolia'", failure, StringComparison.Ordinal);
        Assert.Contains("reports chain id 1,", failure, StringComparison.Ordinal);
        Assert.Contains("ChainId is 11155111", failure, StringComparison.Ordinal);
        var critical = await logs.WaitForAsync(e => e.EventId == 1004).WaitAsync(Generous);
        Assert.Equal(LogLevel.Critical, critical.Level);
        Assert.False(host.Services.GetRequiredService<ChainReadiness>().IsReady("sepolia"));
        await host.StopAsync(CancellationToken.None).WaitAsync(Generous);
    }

    /// <summary>A fake clock that reports each timer created with a due time up to the retry cap (the retry delays).</summary>
    private sealed class TimerSignalingTimeProvider(TimeSpan cap) : FakeTimeProvider
    {
        private readonly Channel<TimeSpan> _scheduled = Channel.CreateUnbounded<TimeSpan>();

        public ChannelReader<TimeSpan> RetryDelayScheduled => _scheduled.Reader;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            if (dueTime > TimeSpan.Zero && dueTime <= cap)
            {
                _scheduled.Writer.TryWrite(dueTime);
            }

            return timer;
        }
    }
}

internal sealed record CapturedLog(string Category, int EventId, LogLevel Level, string Message);

/// <summary>Every log entry into a channel that a test awaits.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly Channel<CapturedLog> _entries = Channel.CreateUnbounded<CapturedLog>();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries.Writer);

    public async Task<CapturedLog> WaitForAsync(Func<CapturedLog, bool> match)
    {
        await foreach (var entry in _entries.Reader.ReadAllAsync())
        {
            if (match(entry))
            {
                return entry;
            }
        }

        throw new InvalidOperationException("The log ended.");
    }

    public void Dispose() => _entries.Writer.TryComplete();

    private sealed class Logger(string category, ChannelWriter<CapturedLog> writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            writer.TryWrite(new CapturedLog(category, eventId.Id, logLevel, formatter(state, exception)));
    }
}
