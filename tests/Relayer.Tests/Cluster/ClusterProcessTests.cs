using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Cluster;

/// <summary>
/// Three operators' nodes as real processes (<c>relayer run --config</c>), each with its own Redis, its own attestor
/// key per chain and its own aggregator queue, on one real RabbitMQ, anvil and the Solana dev node, whose 2-of-3
/// escrows list the three operators; transfers go both ways, so Solana settles are co-signed between the processes.
/// </summary>
[Trait("Category", "Integration")]
public sealed partial class ClusterProcessTests
{
    private static readonly TimeSpan EpochWait = TimeSpan.FromSeconds(90);

    /// <summary>Intents opened per batch: the traffic alternates, so half go EVM to Solana and half back.</summary>
    private const int TransfersPerBatch = 4;

    [Fact]
    public async Task ThreeOperators_OneKilledKeepsSettling_TwoKilledSettleNothingAndSignNothingTwice_RestartedTheyCatchUp()
    {
        var time = TimeProvider.System;
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        await using var cluster = await RunningCluster.StartAsync(time, cancel.Token);
        var (chains, traffic, nodes, stores) = (cluster.Chains, cluster.Traffic, cluster.Nodes, cluster.Stores);
        try
        {
            var first = await traffic.OpenAsync(TransfersPerBatch, cancel.Token);
            await WaitUntilPaidAsync(chains, first, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, first, cancel.Token);
            var agreedBefore = await AssertSameRootsAsync(stores, cancel.Token);
            Assert.NotEmpty(agreedBefore);
            var coSignedBefore = await AssertSolanaSettlesCoSignedAsync(chains, cancel.Token);

            // One operator's machine dies: the other two are still a threshold, and co-sign every Solana settle between them.
            await nodes[2].KillAsync();
            var second = await traffic.OpenAsync(TransfersPerBatch, cancel.Token);
            await WaitUntilPaidAsync(chains, second, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, second, cancel.Token);
            var agreedAfter = await AssertSameRootsAsync([stores[0], stores[1]], cancel.Token);
            Assert.True(agreedAfter.Count > agreedBefore.Count, $"no epoch was chosen after the kill ({agreedAfter.Count} roots, {agreedBefore.Count} before).");
            var coSignedAfter = await AssertSolanaSettlesCoSignedAsync(chains, cancel.Token);
            Assert.Contains(coSignedAfter.Skip(coSignedBefore.Count), s => s.Signers.SequenceEqual([0, 1]));
            var lastAgreed = await SettleUntilOperatorZeroProposesNextAsync(cluster, stores[0], cancel.Token);

            // A second one dies: operator 0 alone still closes, clears and signs the next epoch, but one signature is
            // below the threshold, so nothing of it may settle.
            await nodes[1].KillAsync();
            var third = await traffic.OpenAsync(TransfersPerBatch, cancel.Token);
            var pending = await PublishedManifestAfterAsync(nodes[0], lastAgreed, EpochWait);

            // Operator 0 signed its EVM chunk: one signature of three, below the threshold.
            await nodes[0].LineAsync(AttestedLine(), EpochWait, m => EpochOf(m) == pending && IsEvmChunk(m));
            var escrows = DevnetEscrowStates.Of(chains).ToDictionary(e => e.ChainId);
            foreach (var intent in third)
            {
                Assert.False(await escrows[intent.Destination].IsPaidAsync(intent.IntentId, cancel.Token), $"{intent.IntentId} was paid with one operator of three signing epoch {pending}.");
            }

            // Both come back: they catch up on the epochs they missed and attest the pending one, which settles.
            cluster.Restart(1);
            cluster.Restart(2);
            await WaitUntilPaidAsync(chains, third, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, third, cancel.Token);
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
        var (chains, evm, nodes, stores) = (cluster.Chains, cluster.Evm, cluster.Nodes, cluster.Stores);
        try
        {
            var lastAgreed = await SettleUntilOperatorZeroProposesNextAsync(cluster, stores[0], cancel.Token);

            // Operators 1 and 2 freeze: operator 0 proposes the next epoch and signs its legs alone, under version 1.
            await nodes[1].PauseAsync();
            await nodes[2].PauseAsync();
            var transfers = await cluster.Traffic.OpenAsync(2, cancel.Token);
            var pending = await PublishedManifestAfterAsync(nodes[0], lastAgreed, EpochWait);

            // Operator 0 has signed its EVM chunk under version 1 before the rotation (were the rotation to land first,
            // it would sign under version 2 at once and have nothing to sign again).
            await nodes[0].LineAsync(AttestedLine(), EpochWait, m => EpochOf(m) == pending && IsEvmChunk(m) && m.Groups[3].Value == "1");

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
            await WaitUntilPaidAsync(chains, transfers, nodes[0], cancel.Token);
            await AssertRecipientsPaidAsync(chains, transfers, cancel.Token);
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
    private static async Task<ulong> SettleUntilOperatorZeroProposesNextAsync(RunningCluster cluster, LocalRedisServer operatorZeroStore, CancellationToken cancellationToken)
    {
        for (var round = 0; ; round++)
        {
            var last = (await RootsAsync(operatorZeroStore, cancellationToken)).Keys.Select(EpochOfRootKey).DefaultIfEmpty().Max();
            if ((last + 1) % (ulong)EvmDevChain.SignerLabels.Count == 0)
            {
                return last;
            }

            Assert.True(round < 3, $"epoch {last + 1} is still not operator 0's to propose after {round} more epochs.");
            var filler = await cluster.Traffic.OpenAsync(1, cancellationToken);
            await WaitUntilPaidAsync(cluster.Chains, filler, cluster.Nodes[0], cancellationToken);
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

        // Every operator attested on both chains: three EVM addresses and three Solana keys.
        Assert.Equal(EvmDevChain.SignerLabels.Count * 2, attestations.Select(a => a.Signer.ToLowerInvariant()).Distinct().Count());
    }

    private static bool IsEvmChunk(Match attested) => attested.Groups[2].Value == EvmDevChain.ChainIdValue.ToString(CultureInfo.InvariantCulture);

    private static ulong EpochOf(Match line) => ulong.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);

    private static ulong EpochOfRootKey(string key) => ulong.Parse(key.Split(':')[2], CultureInfo.InvariantCulture);

    private static string RootKey(ulong epoch) => string.Create(CultureInfo.InvariantCulture, $"dx:epoch:{epoch}:root");

    /// <summary>Waits epoch by epoch (each "Epoch N open" line of a live node) until every intent is paid at its destination.</summary>
    internal static async Task WaitUntilPaidAsync(LocalDevnet chains, IReadOnlyList<OpenedIntent> intents, NodeProcess witness, CancellationToken cancellationToken)
    {
        var escrows = DevnetEscrowStates.Of(chains).ToDictionary(e => e.ChainId);
        for (var epochs = 0; epochs < 12; epochs++)
        {
            // The epoch open before the check: waiting for a later one cannot miss an epoch that opens meanwhile.
            var opened = witness.HighestOpened;
            var paid = 0;
            foreach (var intent in intents)
            {
                paid += await escrows[intent.Destination].IsPaidAsync(intent.IntentId, cancellationToken) ? 1 : 0;
            }

            if (paid == intents.Count)
            {
                return;
            }

            await witness.OpenedAfterAsync(opened, EpochWait);
        }

        Assert.Fail($"{intents.Count} intents were opened; not all were paid within 12 epochs.");
    }

    /// <summary>Every intent released at its origin, paid at its destination, its recipient holding at least its minimum.</summary>
    internal static async Task AssertRecipientsPaidAsync(LocalDevnet chains, IReadOnlyList<OpenedIntent> intents, CancellationToken cancellationToken)
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

    /// <summary>
    /// Each cleared epoch's batch root as this operator's epoch record holds it (keyed like <c>epoch:{id}:root</c>): the
    /// root it chose and signed, or the one it followed without signing (a node back after the others applied the epoch
    /// chooses no root of its own, so its <c>epoch:{id}:root</c> key stays unset).
    /// </summary>
    private static async Task<Dictionary<string, string>> RootsAsync(LocalRedisServer store, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(store.ConnectionString);
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var database = connection.GetDatabase();
        var roots = new Dictionary<string, string>();
        await foreach (var key in server.KeysAsync(pattern: "dx:epoch:*").WithCancellation(cancellationToken))
        {
            if (EpochRecordKey().Match(key.ToString()) is { Success: true } match
                && JsonSerializer.Deserialize<EpochRecord>((await database.StringGetAsync(key)).ToString(), StoreJson.Options) is { BatchRoot: { } root })
            {
                roots[RootKey(ulong.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture))] = root.ToString();
            }
        }

        return roots;
    }

    [GeneratedRegex(@"^dx:epoch:(\d+)$")]
    private static partial Regex EpochRecordKey();

    [GeneratedRegex(@"Epoch (\d+): manifest \S+ published")]
    private static partial Regex PublishedLine();

    [GeneratedRegex(@"Epoch (\d+) settled:")]
    private static partial Regex SettledLine();

    [GeneratedRegex(@"Epoch (\d+): chunk \d+ on chain (\d+) signed under signer-set version (\d+),")]
    private static partial Regex AttestedLine();

    [GeneratedRegex(@"Epoch (\d+): chunk \d+ on chain \d+ signed again under signer-set version 2\b")]
    private static partial Regex ReattestedLine();
}
