using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Bus;
using DiscreteExec.TestSupport;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// Three operators' nodes as real processes (<c>relayer run --config</c>), each with its own Redis, its own attestor
/// key per chain and its own aggregator queue, on one real RabbitMQ, anvil and the Solana dev node, whose 2-of-3
/// escrows list the three operators; transfers go both ways, so Solana settles are co-signed between the processes.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ClusterProcessTests
{
    private static readonly TimeSpan EpochWait = TimeSpan.FromSeconds(90);

    /// <summary>Intents opened per batch: the traffic alternates, so half go EVM to Solana and half back.</summary>
    private const int TransfersPerBatch = 4;

    [Fact]
    public async Task ThreeOperators_EpochsSettleWithOneRootEach_AndKeepSettlingAfterOneIsKilled()
    {
        var time = TimeProvider.System;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var broker = await LocalRabbitMqBroker.StartAsync(cancel.Token);
        await using var store0 = await LocalRedisServer.StartAsync();
        await using var store1 = await LocalRedisServer.StartAsync();
        await using var store2 = await LocalRedisServer.StartAsync();
        LocalRedisServer[] stores = [store0, store1, store2];
        await using var chains = await ClusterChainSetup.StartAsync(TextWriter.Null, time, cancel.Token);
        var traffic = await ClusterChainSetup.TrafficAsync(chains, transfersOnly: true, time, cancel.Token);
        var directory = Directory.CreateTempSubdirectory("discreteexec-cluster-").FullName;
        var configs = ClusterNodeConfigs.Write(
            ClusterChainSetup.Describe(chains, broker.AmqpUri),
            [.. stores.Select(s => new ClusterNodeSeat(s.ConnectionString, "http://127.0.0.1:0"))],
            directory);

        var nodes = configs.Select(c => NodeProcess.Start(c, crashAt: null)).ToArray();
        try
        {
            var first = await traffic.OpenAsync(TransfersPerBatch, cancel.Token);
            await WaitUntilPaidAsync(chains, first, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, first, cancel.Token);
            var agreedBefore = await AssertSameRootsAsync(stores, cancel.Token);
            Assert.NotEmpty(agreedBefore);
            var coSignedBefore = await AssertSolanaSettlesCoSignedAsync(chains, cancel.Token);

            // One operator's machine dies: the other two are still a threshold.
            await nodes[2].KillAsync();
            var second = await traffic.OpenAsync(TransfersPerBatch, cancel.Token);
            await WaitUntilPaidAsync(chains, second, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, second, cancel.Token);
            var agreedAfter = await AssertSameRootsAsync([store0, store1], cancel.Token);
            Assert.True(agreedAfter.Count > agreedBefore.Count, $"no epoch was chosen after the kill ({agreedAfter.Count} roots, {agreedBefore.Count} before).");

            // The two left co-sign every Solana settle between them.
            var coSignedAfter = await AssertSolanaSettlesCoSignedAsync(chains, cancel.Token);
            Assert.Contains(coSignedAfter.Skip(coSignedBefore.Count), s => s.Signers.SequenceEqual([0, 1]));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                ex.Message + Environment.NewLine + string.Join(Environment.NewLine, nodes.Select((n, i) => $"--- operator-{i} ---{Environment.NewLine}{Tail(n.Output)}")),
                ex);
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Waits epoch by epoch (each "Epoch N open" line of a live node) until every intent is paid at its destination.</summary>
    private static async Task WaitUntilPaidAsync(LocalDevnet chains, IReadOnlyList<OpenedIntent> intents, NodeProcess witness, CancellationToken cancellationToken)
    {
        var escrows = DevnetEscrowStates.Of(chains).ToDictionary(e => e.ChainId);
        for (var epochs = 0; epochs < 12; epochs++)
        {
            var paid = 0;
            foreach (var intent in intents)
            {
                paid += await escrows[intent.Destination].IsPaidAsync(intent.IntentId, cancellationToken) ? 1 : 0;
            }

            if (paid == intents.Count)
            {
                return;
            }

            await witness.NextOpenedAfterNowAsync(EpochWait);
        }

        Assert.Fail($"{intents.Count} intents were opened; not all were paid within 12 epochs.");
    }

    /// <summary>Every intent released at its origin, paid at its destination, its recipient holding at least its minimum.</summary>
    private static async Task AssertRecipientsPaidAsync(LocalDevnet chains, IReadOnlyList<OpenedIntent> intents, CancellationToken cancellationToken)
    {
        var fates = await IntentFateCheck.RunAsync(intents, DevnetEscrowStates.Of(chains), DevnetEscrowStates.Balances(chains), reported: null, balancesBefore: null, cancellationToken);
        Assert.True(fates.Passed, fates.Summary + Environment.NewLine + string.Join(Environment.NewLine, fates.Violations));
        Assert.Equal(intents.Count, fates.Filled);
    }

    /// <summary>
    /// Every settle the Solana escrow executed carries the signatures of two operators' attestor keys (each node holds
    /// only its own, so the submitting node got the other's over the bus), and at least one landed; returns them.
    /// </summary>
    private static async Task<IReadOnlyList<ClusterSolanaSettle>> AssertSolanaSettlesCoSignedAsync(LocalDevnet chains, CancellationToken cancellationToken)
    {
        var settles = await ClusterSolanaSettles.ReadAsync(chains.Solana, ClusterNodeConfigs.OperatorIds.Count, cancellationToken);
        Assert.Contains(settles, s => s.Legs.Count > 0);
        Assert.All(settles, s => Assert.True(s.Signers.Count >= ClusterNodeConfigs.Threshold && s.Submitter is { } submitter && s.Signers.Contains(submitter), $"not co-signed by a threshold: {s}"));
        return settles;
    }

    /// <summary>Every chosen root (<c>epoch:{id}:root</c>) of the first store is in every other store with the same value; returns them.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> AssertSameRootsAsync(IReadOnlyList<LocalRedisServer> stores, CancellationToken cancellationToken)
    {
        var roots = new List<Dictionary<string, string>>();
        foreach (var store in stores)
        {
            roots.Add(await RootsAsync(store, cancellationToken));
        }

        // The last epoch may be chosen on one node a moment before the others: compare the epochs all of them hold.
        var common = roots.Skip(1).Aggregate((IEnumerable<string>)roots[0].Keys, (keys, other) => keys.Intersect(other.Keys)).ToHashSet();
        Assert.True(roots.All(r => r.Keys.Except(common).Count() <= 1), "a node is more than one epoch behind: " + string.Join(" | ", roots.Select(r => string.Join(",", r.Keys.Order()))));
        foreach (var key in common)
        {
            var values = roots.Select(r => r[key]).Distinct().ToArray();
            Assert.True(values.Length == 1, $"{key} differs between the operators' stores: {string.Join(", ", values)}");
        }

        return roots[0].Where(r => common.Contains(r.Key)).ToDictionary();
    }

    private static async Task<Dictionary<string, string>> RootsAsync(LocalRedisServer store, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var database = connection.GetDatabase();
        var roots = new Dictionary<string, string>();
        await foreach (var key in server.KeysAsync(pattern: "dx:epoch:*:root").WithCancellation(cancellationToken))
        {
            roots[key.ToString()] = (await database.StringGetAsync(key)).ToString();
        }

        return roots;
    }

    private static string Tail(string output)
    {
        var lines = output.Split(Environment.NewLine);
        return string.Join(Environment.NewLine, lines.Skip(Math.Max(0, lines.Length - 40)));
    }
}
