using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>
/// Two replicas of one operator (real child processes, each with its own node id and data directory, one external
/// Redis between them): the active one is killed between two chunks of an epoch and the standby, which waited on the
/// lease, finishes that epoch; the standby, frozen with SIGSTOP while active, loses the lease to the restarted first
/// one and, resumed, is fenced off: its token is stale, so it writes nothing more.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ReplicaFailoverTests(ITestOutputHelper output) : IDisposable
{
    private const int SigkillExitCode = 137;
    private static readonly TimeSpan ChildWait = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan LeaseTimeToLive = TimeSpan.FromSeconds(3);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("node-replicas-").FullName;

    [Fact]
    public async Task Replicas_ActiveKilledBetweenChunks_StandbyFinishesTheEpoch_AndTheStaleOneIsFencedOff()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        using var log = new StringWriter();
        await using var redis = await LocalRedisServer.StartAsync();
        var replicas = new List<NodeProcess>();
        try
        {
            await using var devnet = await CrashDevnet.StartAsync(log, ct);
            var configA = devnet.WriteConfig(Path.Combine(_dataDirectory, "replica-a"), redis.ConnectionString);
            var configB = devnet.WriteConfig(Path.Combine(_dataDirectory, "replica-b"), redis.ConnectionString);
            var intents = await devnet.OpenMixAsync(24, ct);

            // A takes the lease first (it opens epoch 1), then B starts as its standby.
            var a = Start(replicas, configA, "replica-a", "between-chunks");
            await a.LineAsync(OpenedLine(), ChildWait);
            var b = Start(replicas, configB, "replica-b", crashAt: null);

            await a.WaitForExitAsync(ChildWait);
            var died = Stopwatch.StartNew();
            Assert.Equal(SigkillExitCode, a.ExitCode);
            var crashed = EpochOf(await a.LineAsync(CrashLine(), ChildWait));

            // The standby finishes the epoch the active replica died in: the lease ran out, B took it and resumed.
            await b.LineAsync(SettledLine(), ChildWait, m => EpochOf(m) == crashed);
            log.WriteLine($"replica-b settled epoch {crashed} {died.Elapsed.TotalSeconds:F1} s after replica-a died (lease time to live {LeaseTimeToLive.TotalSeconds} s)");
            await CrashCaseChecks.WaitUntilSettledAsync(devnet.Devnet, b, intents, ChildWait, ct);

            // B freezes while it holds the lease; A comes back, waits the lease out and takes over with a newer fence.
            var staleFence = await FenceAsync(redis, ct);
            await b.PauseAsync();
            var later = await devnet.OpenMixAsync(8, ct);
            var back = Start(replicas, configA, "replica-a", crashAt: null);
            await CrashCaseChecks.WaitUntilSettledAsync(devnet.Devnet, back, later, ChildWait, ct);
            Assert.True(await FenceAsync(redis, ct) > staleFence, "replica-a settled without taking a newer fence");

            // B runs on from where it froze: its next renewal or write is refused, and so is any write with its token.
            await b.ResumeAsync();
            await b.LineAsync(LeaseLostLine(), ChildWait);
            await using (var store = CrashNodeStore.Open(_dataDirectory, redis.ConnectionString))
            {
                var current = await store.Epochs.CurrentAsync(ct) ?? throw new InvalidOperationException("The store has no epoch.");
                await Assert.ThrowsAsync<LeaseLostException>(() => store.Epochs.SaveBlobAsync(
                    current.EpochId, "stale-replica", new byte[] { 1 }, new LeaseToken("replica-b", staleFence), ct));
            }

            await back.TerminateAsync(ChildWait);
            await b.TerminateAsync(ChildWait);
            await using (var store = CrashNodeStore.Open(_dataDirectory, redis.ConnectionString))
            {
                await CrashCaseChecks.VerifyAsync(devnet.Devnet, store, [.. intents, .. later], log, ct);
            }
        }
        finally
        {
            foreach (var replica in replicas)
            {
                log.WriteLine(replica.Output);
                replica.Dispose();
            }

            output.WriteLine(log.ToString());
        }
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    // Each replica has its own node id (its name in the lease) and a short lease, so the test waits seconds, not 15.
    private static NodeProcess Start(List<NodeProcess> replicas, string config, string nodeId, string? crashAt)
    {
        var replica = NodeProcess.Start(config, crashAt, new Dictionary<string, string>
        {
            ["DISCRETEEXEC__Node__NodeId"] = nodeId,
            ["DISCRETEEXEC__Node__LeaseTimeToLive"] = LeaseTimeToLive.ToString("c", CultureInfo.InvariantCulture),
        });
        replicas.Add(replica);
        return replica;
    }

    // The newest fencing token the store issued (the active replica's).
    private static async Task<long> FenceAsync(LocalRedisServer redis, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        cancellationToken.ThrowIfCancellationRequested();
        return (long)await connection.GetDatabase().StringGetAsync("dx:lease:fence");
    }

    private static ulong EpochOf(Match line) => ulong.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Epoch (\d+) open\b")]
    private static partial Regex OpenedLine();

    [GeneratedRegex(@"crash point \w+ reached in epoch (\d+)")]
    private static partial Regex CrashLine();

    [GeneratedRegex(@"Epoch (\d+) settled:")]
    private static partial Regex SettledLine();

    [GeneratedRegex(@"Node replica-b lost its lease")]
    private static partial Regex LeaseLostLine();
}
