using DiscreteExec.Chains.Rpc;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Chains.Tests.Rpc;

/// <summary>The agreement core of both quorum clients, over in-memory endpoints that answer a fixed value or fail.</summary>
public sealed class RpcQuorumTests
{
    [Fact]
    public async Task AgreeAsync_OneOfThreeLies_ReturnsWhatTheOtherTwoSay()
    {
        var quorum = Quorum(2, "lie", "truth", "truth");
        Assert.Equal("truth", await quorum.AgreeAsync("read", (answer, _) => answer(), v => v, CancellationToken.None));
    }

    [Fact]
    public async Task AgreeAsync_AllDiffer_ThrowsNamingEveryEndpoint()
    {
        var quorum = Quorum(2, "a", "b", "c");
        var error = await Assert.ThrowsAsync<ChainRpcException>(() => quorum.AgreeAsync("read", (answer, _) => answer(), v => v, CancellationToken.None));
        Assert.Contains("no 2 of 3 endpoints agree", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://endpoint-2/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AgreeAsync_TwoFail_RethrowsTheFailure()
    {
        var quorum = Quorum(2, null, null, "truth");
        var error = await Assert.ThrowsAsync<RpcTransportException>(() => quorum.AgreeAsync("read", (answer, _) => answer(), v => v, CancellationToken.None));
        Assert.Equal("down", error.Message);
    }

    [Fact]
    public void Constructor_QuorumNotAMajority_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum(2, "a", "b", "c", "d"));

    /// <summary>Endpoints answering the given values in order (null: failing with a transport error).</summary>
    private static RpcQuorum<Func<Task<string>>> Quorum(int quorum, params string?[] answers) =>
        new(
            [.. answers.Select((answer, i) => new QuorumMember<Func<Task<string>>>(
                new Uri($"http://endpoint-{i}/"),
                () => answer is null ? Task.FromException<string>(new RpcTransportException("down")) : Task.FromResult(answer)))],
            quorum,
            NullLogger.Instance);
}
