using DiscreteExec.TestSupport;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>
/// The external Redis under a running node (a real child process) is killed with SIGKILL and started again (append-only
/// file, fsync always): intents opened while it is down are not lost, the node reconnects and settles every intent.
/// </summary>
[Trait("Category", "Integration")]
public sealed class StoreRestartUnderNodeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan ChildWait = TimeSpan.FromSeconds(90);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("node-redis-restart-").FullName;

    [Fact]
    public async Task Node_RedisKilledAndRestartedWhileRunning_ReconnectsAndEveryIntentEndsOnce()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        using var log = new StringWriter();
        await using var redis = await LocalRedisServer.StartAsync();
        try
        {
            await using var devnet = await CrashDevnet.StartAsync(log, ct);
            var config = devnet.WriteConfig(_dataDirectory, redis.ConnectionString);
            var before = await devnet.OpenMixAsync(16, ct);
            using (var node = NodeProcess.Start(config, crashAt: null))
            {
                try
                {
                    await CrashCaseChecks.WaitUntilSettledAsync(devnet.Devnet, node, before, ChildWait, ct);

                    await redis.KillAsync();
                    var during = await devnet.OpenMixAsync(16, ct); // the watchers see these while the store is gone
                    await redis.RestartAsync();

                    await CrashCaseChecks.WaitUntilSettledAsync(devnet.Devnet, node, [.. before, .. during], ChildWait, ct);
                    await node.TerminateAsync(ChildWait);
                    Assert.Equal(0, node.ExitCode);

                    await using var store = CrashNodeStore.Open(_dataDirectory, redis.ConnectionString);
                    await CrashCaseChecks.VerifyAsync(devnet.Devnet, store, [.. before, .. during], log, ct);
                }
                finally
                {
                    log.WriteLine(node.Output);
                }
            }
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
