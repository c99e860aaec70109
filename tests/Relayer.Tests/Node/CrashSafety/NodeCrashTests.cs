using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>
/// Crash safety of the node as a real child process: it is killed with SIGKILL at a step of the epoch lifecycle (the
/// test-only <c>DISCRETEEXEC_CRASH_AT</c> switch), started again without it on the same store, and then every intent
/// ends exactly once as the clearing decided, nothing is paid twice and no epoch gets a second batch.
/// </summary>
[Trait("Category", "Integration")]
public sealed class NodeCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int IntentCount = 24;
    private const int SigkillExitCode = 137; // 128 + SIGKILL, as the runtime reports a child killed by the signal
    private static readonly TimeSpan ChildWait = TimeSpan.FromSeconds(90);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("node-crash-").FullName;

    [Theory]
    [InlineData("after-close", false)]
    [InlineData("after-clear", false)]
    [InlineData("between-chunks", false)]
    [InlineData("chunk-sent-unrecorded", false)]
    [InlineData("chunk-sent-unrecorded", true)]
    public async Task Node_KilledAtCrashPointThenRestarted_EveryIntentEndsOnceWithOneBatchPerEpoch(string crashPoint, bool externalRedis)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = timeout.Token;
        using var log = new StringWriter();
        await using var redis = externalRedis ? await LocalRedisServer.StartAsync() : null;
        try
        {
            await using var devnet = await CrashDevnet.StartAsync(log, ct);
            var config = devnet.WriteConfig(_dataDirectory, redis?.ConnectionString);
            var intents = await devnet.OpenMixAsync(IntentCount, ct);
            using (var crashing = NodeProcess.Start(config, crashPoint))
            {
                await crashing.WaitForExitAsync(ChildWait);
                log.WriteLine(crashing.Output);
                Assert.Equal(SigkillExitCode, crashing.ExitCode);
                Assert.Contains("reached in epoch", crashing.Output, StringComparison.Ordinal);
            }

            using (var restarted = NodeProcess.Start(config, crashAt: null))
            {
                await CrashCaseChecks.WaitUntilSettledAsync(devnet.Devnet, restarted, intents, ChildWait, ct);
                await restarted.TerminateAsync(ChildWait);
                log.WriteLine(restarted.Output);
            }

            await using var store = CrashNodeStore.Open(_dataDirectory, redis?.ConnectionString);
            var epochs = await CrashCaseChecks.VerifyAsync(devnet.Devnet, store, intents, log, ct);
            if (crashPoint == "chunk-sent-unrecorded")
            {
                // The chunk the killed node sent but never recorded: the restarted node found it applied on its chain.
                Assert.Contains(epochs.SelectMany(e => e.Chunks), c => c.Stage == ChunkProgressStage.AlreadyApplied);
            }
        }
        finally
        {
            output.WriteLine(log.ToString());
        }
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);
}
