using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// Three operators' nodes as real processes (<c>relayer run --config</c>), each with its own Redis, its own attestor
/// key and its own aggregator queue, on one real RabbitMQ and one anvil whose 2-of-3 escrow lists the three operators.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ClusterProcessTests
{
    private static readonly TimeSpan EpochWait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task ThreeOperators_OneKilledKeepsSettling_TwoKilledSettleNothingAndSignNothingTwice_RestartedTheyCatchUp()
    {
        var time = TimeProvider.System;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var cluster = await RunningCluster.StartAsync(time, cancel.Token);
        var (evm, nodes, stores) = (cluster.Evm, cluster.Nodes, cluster.Stores);
        try
        {
            var first = await ClusterChainSetup.OpenTransfersAsync(evm, "a", 3, time, cancel.Token);
            await WaitUntilPaidAsync(evm, first, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(evm, first, cancel.Token);
            var agreedBefore = await AssertSameRootsAsync(stores, cancel.Token);
            Assert.NotEmpty(agreedBefore);

            // One operator's machine dies: the other two are still a threshold.
            await nodes[2].KillAsync();
            var second = await ClusterChainSetup.OpenTransfersAsync(evm, "b", 3, time, cancel.Token);
            await WaitUntilPaidAsync(evm, second, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(evm, second, cancel.Token);
            var agreedAfter = await AssertSameRootsAsync([stores[0], stores[1]], cancel.Token);
            Assert.True(agreedAfter.Count > agreedBefore.Count, $"no epoch was chosen after the kill ({agreedAfter.Count} roots, {agreedBefore.Count} before).");
            var lastAgreed = await SettleUntilOperatorZeroProposesNextAsync(evm, nodes[0], stores[0], time, cancel.Token);

            // A second one dies: operator 0 alone still closes, clears and signs the next epoch, but one signature is
            // below the threshold, so nothing of it may settle.
            await nodes[1].KillAsync();
            var third = await ClusterChainSetup.OpenTransfersAsync(evm, "c", 3, time, cancel.Token);
            var pending = await PublishedManifestAfterAsync(nodes[0], lastAgreed, EpochWait);
            foreach (var intent in third)
            {
                Assert.False(await evm.IsPaidAsync(intent.IntentId, cancel.Token), $"{intent.IntentId} was paid with one operator of three signing epoch {pending}.");
            }

            // Both come back: they catch up on the epochs they missed and attest the pending one, which settles.
            cluster.Restart(1);
            cluster.Restart(2);
            await WaitUntilPaidAsync(evm, third, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(evm, third, cancel.Token);
            await nodes[1].LineAsync(SettledLine(), EpochWait, m => EpochOf(m) == pending);
            await nodes[2].LineAsync(SettledLine(), EpochWait, m => EpochOf(m) == pending);
            var agreedAtEnd = await AssertSameRootsAsync(stores, cancel.Token);
            Assert.Contains(RootKey(pending), agreedAtEnd.Keys);
            await AssertOneRootPerSignerAndEpochAsync(stores, cancel.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw cluster.Explain(ex);
        }
    }

    [Fact]
    public async Task ThreeOperators_SignerSetRotatesWhileAnEpochAwaitsSignatures_TheOldSignatureIsReplacedAndTheEpochSettles()
    {
        var time = TimeProvider.System;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        await using var cluster = await RunningCluster.StartAsync(time, cancel.Token);
        var (evm, nodes, stores) = (cluster.Evm, cluster.Nodes, cluster.Stores);
        try
        {
            var lastAgreed = await SettleUntilOperatorZeroProposesNextAsync(evm, nodes[0], stores[0], time, cancel.Token);

            // Operators 1 and 2 freeze: operator 0 proposes the next epoch and signs its legs alone, under version 1.
            await nodes[1].PauseAsync();
            await nodes[2].PauseAsync();
            var transfers = await ClusterChainSetup.OpenTransfersAsync(evm, "rotated", 2, time, cancel.Token);
            var pending = await PublishedManifestAfterAsync(nodes[0], lastAgreed, EpochWait);

            // The escrow's signer set rotates (the same three, threshold 2, version 2) before any of those legs applied.
            using var sender = evm.CreateSender();
            var rotation = evm.CreateSignerSetRotation(sender);
            await rotation.ProposeAsync([.. evm.Signers.Select(s => s.Address)], ClusterNodeConfigs.Threshold, cancel.Token);
            await evm.AdvanceTimeAsync(TimeSpan.FromSeconds(EvmDevChain.SignerSetDelaySeconds) + SignerSetRotation.InclusionMargin, cancel.Token);
            Assert.Equal(2UL, await rotation.ActivateWhenDueAsync(cancel.Token));

            // Operator 0 signs its legs again under version 2; the other two run on, sign under it, and the epoch settles.
            await nodes[0].LineAsync(ReattestedLine(), EpochWait, m => EpochOf(m) == pending);
            await nodes[1].ResumeAsync();
            await nodes[2].ResumeAsync();
            await WaitUntilPaidAsync(evm, transfers, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(evm, transfers, cancel.Token);
            var agreed = await AssertSameRootsAsync(stores, cancel.Token);
            Assert.Contains(RootKey(pending), agreed.Keys);
            await AssertOneRootPerSignerAndEpochAsync(stores, cancel.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw cluster.Explain(ex);
        }
    }

    /// <summary>
    /// Settles one transfer per epoch until the next epoch's first proposer (k mod 3) is operator 0, so that a test
    /// that stops the others has operator 0 propose at once; returns the last epoch operator 0 chose a root for.
    /// </summary>
    private static async Task<ulong> SettleUntilOperatorZeroProposesNextAsync(EvmDevChain evm, NodeProcess operatorZero, LocalRedisServer operatorZeroStore, TimeProvider time, CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            var last = (await RootsAsync(operatorZeroStore, cancellationToken)).Keys.Select(EpochOfRootKey).DefaultIfEmpty().Max();
            if ((last + 1) % (ulong)EvmDevChain.SignerLabels.Count == 0)
            {
                return last;
            }

            Assert.True(round < 3, $"epoch {last + 1} is still not operator 0's to propose after {round} more epochs.");
            var filler = await ClusterChainSetup.OpenTransfersAsync(evm, string.Create(CultureInfo.InvariantCulture, $"filler-{last}"), 1, time, cancellationToken);
            await WaitUntilPaidAsync(evm, filler, operatorZero, cancellationToken);
        }
    }

    /// <summary>The first epoch after <paramref name="after"/> whose manifest the node published (its "manifest ... published" line).</summary>
    private static async Task<ulong> PublishedManifestAfterAsync(NodeProcess node, ulong after, TimeSpan timeout)
    {
        var line = await node.LineAsync(PublishedLine(), timeout, m => EpochOf(m) > after);
        return EpochOf(line);
    }

    /// <summary>
    /// Every attestation any store kept (each node keeps its own and the others' it heard): no signer signed two roots
    /// for one epoch, across the kills and restarts.
    /// </summary>
    private static async Task AssertOneRootPerSignerAndEpochAsync(IReadOnlyList<LocalRedisServer> stores, CancellationToken cancellationToken)
    {
        var attestations = new List<LegAttested>();
        foreach (var store in stores)
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
            var server = connection.GetServer(connection.GetEndPoints()[0]);
            var database = connection.GetDatabase();
            await foreach (var key in server.KeysAsync(pattern: "dx:operators:epoch:*:attestations").WithCancellation(cancellationToken))
            {
                attestations.AddRange((await database.HashValuesAsync(key)).Select(v => JsonSerializer.Deserialize<LegAttested>(v.ToString(), StoreJson.Options)!));
            }
        }

        Assert.NotEmpty(attestations);
        foreach (var signed in attestations.GroupBy(a => (Signer: a.Signer.ToLowerInvariant(), a.EpochId)))
        {
            var roots = signed.Select(a => a.BatchRoot).Distinct().ToArray();
            Assert.True(roots.Length == 1, $"{signed.Key.Signer} signed {roots.Length} roots for epoch {signed.Key.EpochId}: {string.Join(", ", roots)}");
        }

        Assert.Equal(EvmDevChain.SignerLabels.Count, attestations.Select(a => a.Signer.ToLowerInvariant()).Distinct().Count());
    }

    private static ulong EpochOf(Match line) => ulong.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);

    private static ulong EpochOfRootKey(string key) => ulong.Parse(key.Split(':')[2], CultureInfo.InvariantCulture);

    private static string RootKey(ulong epoch) => string.Create(CultureInfo.InvariantCulture, $"dx:epoch:{epoch}:root");

    /// <summary>Waits epoch by epoch (each "Epoch N open" line of a live node) until every intent is paid on chain.</summary>
    private static async Task WaitUntilPaidAsync(EvmDevChain evm, IReadOnlyList<ClusterIntent> intents, NodeProcess witness, CancellationToken cancellationToken)
    {
        for (var epochs = 0; epochs < 12; epochs++)
        {
            // The epoch open before the check: waiting for a later one cannot miss an epoch that opens meanwhile.
            var opened = witness.HighestOpened;
            var paid = 0;
            foreach (var intent in intents)
            {
                paid += await evm.IsPaidAsync(intent.IntentId, cancellationToken) ? 1 : 0;
            }

            if (paid == intents.Count)
            {
                return;
            }

            await witness.OpenedAfterAsync(opened, EpochWait);
        }

        Assert.Fail($"{intents.Count} intents were opened; not all were paid within 12 epochs.");
    }

    private static async Task AssertRecipientsPaidAsync(EvmDevChain evm, IReadOnlyList<ClusterIntent> intents, CancellationToken cancellationToken)
    {
        foreach (var intent in intents)
        {
            Assert.Equal(2, await evm.IntentStatusAsync(intent.IntentId, cancellationToken)); // Released
            var balance = await evm.TokenBalanceAsync(intent.Recipient, cancellationToken);
            Assert.True(balance >= intent.MinOutput && balance <= intent.InputAmount, $"recipient of {intent.IntentId} holds {balance}, expected between {intent.MinOutput} and {intent.InputAmount}.");
        }
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

    [GeneratedRegex(@"Epoch (\d+): manifest \S+ published")]
    private static partial Regex PublishedLine();

    [GeneratedRegex(@"Epoch (\d+) settled:")]
    private static partial Regex SettledLine();

    [GeneratedRegex(@"Epoch (\d+): chunk \d+ on chain \d+ signed again under signer-set version 2\b")]
    private static partial Regex ReattestedLine();
}
