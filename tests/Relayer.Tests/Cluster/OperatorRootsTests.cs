using DiscreteExec.Relayer.Cluster;
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
    public async Task ReadAsync_RealRedis_ReadsEveryEpochRootOfItsPrefixOnly()
    {
        await using var redis = await LocalRedisServer.StartAsync();
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString))
        {
            var database = connection.GetDatabase();
            await database.StringSetAsync("dx:epoch:1:root", RootA);
            await database.StringSetAsync("dx:epoch:12:root", RootB);
            await database.StringSetAsync("dx:epoch:3:blob:root", "not a root");
            await database.StringSetAsync("dx:epoch:3", "an epoch record");
            await database.StringSetAsync("other:epoch:4:root", RootA);
        }

        var roots = await OperatorRoots.ReadAsync(redis.ConnectionString, "dx:", CancellationToken.None);

        Assert.Equal(new Dictionary<ulong, string> { [1] = RootA, [12] = RootB }, roots);
    }
}
