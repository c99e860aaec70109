using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Node.Store;
using DiscreteExec.TestSupport;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Tests.Cluster;

public sealed class OperatorRootsTests
{
    private const string RootA = "0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string RootB = "0xbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public void Compare_SameRootsAndGaps_Passes()
    {
        var comparison = OperatorRoots.Compare([
            new Dictionary<ulong, string> { [1] = RootA, [2] = RootB },
            new Dictionary<ulong, string> { [1] = RootA },
            new Dictionary<ulong, string> { [1] = RootA.ToUpperInvariant().Replace("0X", "0x", StringComparison.Ordinal), [2] = RootB },
        ]);

        Assert.Empty(comparison.Disagreements);
        Assert.Equal(2, comparison.Compared);
        Assert.True(comparison.Passed);
    }

    [Fact]
    public void Compare_OneOperatorChoseAnotherRoot_ReportsThatEpochWithEveryOperatorsRoot()
    {
        var comparison = OperatorRoots.Compare([
            new Dictionary<ulong, string> { [1] = RootA, [2] = RootA, [3] = RootA },
            new Dictionary<ulong, string> { [1] = RootA, [2] = RootB },
            new Dictionary<ulong, string> { [3] = RootA },
        ]);

        Assert.False(comparison.Passed);
        var only = Assert.Single(comparison.Disagreements);
        Assert.Equal(2UL, only.Epoch);
        Assert.Equal([RootA, RootB, null], only.Roots);
        Assert.Equal($"epoch 2: operator-0 {RootA}, operator-1 {RootB}, operator-2 (none)", only.ToString());
    }

    [Fact]
    public void Compare_NoEpochRecordedByTwoOperators_FailsForHavingComparedNothing()
    {
        var comparison = OperatorRoots.Compare([
            new Dictionary<ulong, string> { [1] = RootA },
            new Dictionary<ulong, string>(),
            new Dictionary<ulong, string> { [2] = RootB },
        ]);

        Assert.Empty(comparison.Disagreements);
        Assert.False(comparison.Passed);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task ReadAsync_RealRedis_ReadsTheRootOfEveryEpochRecordWhoseReleasesApplied_OfItsPrefixOnly()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var database = connection.GetDatabase();
            await database.StringSetAsync("dx:epoch:1", Record(1, EpochStage.Settled, RootA));
            await database.StringSetAsync("dx:epoch:12", Record(12, EpochStage.Released, RootB));
            await database.StringSetAsync("dx:epoch:13", Record(13, EpochStage.Attested, RootA)); // chosen, not settled yet: a lost race may still be followed
            await database.StringSetAsync("dx:epoch:14", Record(14, EpochStage.Open, root: null));
            await database.StringSetAsync("dx:epoch:3:root", RootB); // the root first chosen: not what settled
            await database.StringSetAsync("dx:epoch:current", "12");
            await database.StringSetAsync("other:epoch:4", Record(4, EpochStage.Settled, RootA));
        }

        var roots = await OperatorRoots.ReadAsync(redis.ConnectionString, "dx:", CancellationToken.None);

        Assert.Equal(new Dictionary<ulong, string> { [1] = RootA, [12] = RootB }, roots);
    }

    private static string Record(ulong epoch, EpochStage stage, string? root) => JsonSerializer.Serialize(
        new EpochRecord { EpochId = epoch, Stage = stage, OpenedAtUnixMilliseconds = 0, BatchRoot = root is null ? null : Bytes32.Parse(root) },
        StoreJson.Options);
}
