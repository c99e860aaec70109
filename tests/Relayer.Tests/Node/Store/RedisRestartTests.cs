using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Relayer.Tests.Node.Store;

/// <summary>A connected store survives its Redis being killed and restarted: it reconnects, serves again, and waiting readers wake.</summary>
public sealed class RedisRestartTests
{
    private static readonly TimeSpan ServerWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EventLog_RedisKilledAndRestarted_ReconnectsServesAndWakesWaiters()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        var server = new ConnectionStringFixture(redis.ConnectionString);
        await using var connection = NodeStoreContractTests.Connect(server, "restart:");
        using var events = new RedisEventLog(connection);
        await events.AppendAsync(NodeStoreContractTests.Closed("before"), default);
        using var timeout = new CancellationTokenSource(ServerWait);
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, _) => restored.TrySetResult();
        var waitForNext = events.WaitForAsync(1, timeout.Token);

        await redis.KillAsync();
        await redis.RestartAsync();
        await restored.Task.WaitAsync(timeout.Token);

        Assert.False(waitForNext.IsCompleted, waitForNext.Exception?.ToString());
        Assert.Equal(2, await events.AppendAsync(NodeStoreContractTests.Closed("after"), timeout.Token));
        await waitForNext;
        Assert.Equal(["before", "after"], (await events.ReadAsync(0, 10, default)).Select(e => e.EventId));
    }

    private sealed class ConnectionStringFixture(string connectionString) : IStoreServerFixture
    {
        public string ConnectionString { get; } = connectionString;
    }
}
