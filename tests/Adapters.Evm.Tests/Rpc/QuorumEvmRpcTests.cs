using System.Numerics;
using System.Text.Json;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Rpc;

/// <summary>The quorum rule on scripted endpoints (one class under test; the liar against anvil is in Integration/QuorumIntegrationTests).</summary>
public sealed class QuorumEvmRpcTests
{
    private static readonly CallRequest Call = new(null, [1]);

    [Fact]
    public async Task BlockNumber_HeadsDiffer_HighestBlockAQuorumReached()
    {
        var rpc = Quorum(2, new Scripted { Head = 100 }, new Scripted { Head = 1_000_000 }, new Scripted { Head = 98 });

        Assert.Equal(100UL, await rpc.BlockNumberAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Call_AllThreeDisagree_ThrowsNamingEveryEndpoint()
    {
        var rpc = Quorum(2, new Scripted { Result = [1] }, new Scripted { Result = [2] }, new Scripted { Result = [3] });

        var error = await Assert.ThrowsAsync<ChainRpcException>(() => rpc.CallAsync(Call, BlockTag.Latest, CancellationToken.None));
        Assert.Contains("eth_call: no 2 of 3 endpoints agree", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://endpoint-2/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_QuorumReverts_RethrowsTheRevert()
    {
        var revert = new EvmRevertException(3, "execution reverted", [0xde, 0xad], null);
        var rpc = Quorum(2, new Scripted { Failure = revert }, new Scripted { Result = [7] }, new Scripted { Failure = revert });

        Assert.Same(revert, await Assert.ThrowsAsync<EvmRevertException>(() => rpc.CallAsync(Call, BlockTag.Latest, CancellationToken.None)));
    }

    [Fact]
    public async Task Call_OneEndpointDown_TheOtherTwoAgree()
    {
        var rpc = Quorum(2, new Scripted { Failure = new RpcTransportException("down") }, new Scripted { Result = [7] }, new Scripted { Result = [7] });

        Assert.Equal([7], await rpc.CallAsync(Call, BlockTag.Latest, CancellationToken.None));
    }

    [Fact]
    public async Task GetLogs_TwoReturnTheSameSet_ThatSetAndNotTheThirdsFabrication()
    {
        EvmLog real = Log(1), alsoReal = Log(2), fabricated = Log(3);
        var rpc = Quorum(2, new Scripted { Logs = [real, alsoReal] }, new Scripted { Logs = [alsoReal, fabricated] }, new Scripted { Logs = [alsoReal, real] });

        Assert.Equal([real, alsoReal], await rpc.GetLogsAsync(new LogFilter(0, 10, default), CancellationToken.None));
    }

    [Fact]
    public async Task GetLogs_OneEndpointDownAndOneLagging_ThrowsInsteadOfDroppingTheLog()
    {
        // The only endpoint that has the deposit is outvoted by none: the range must be read again, not taken as empty.
        var deposit = Log(1);
        var rpc = Quorum(2, new Scripted { Logs = [deposit] }, new Scripted { Logs = [] }, new Scripted { Failure = new RpcTransportException("down") });

        var error = await Assert.ThrowsAsync<ChainRpcException>(() => rpc.GetLogsAsync(new LogFilter(0, 10, default), CancellationToken.None));
        Assert.Contains("eth_getLogs: no 2 of 3 endpoints agree (the endpoints returned different logs)", error.Message, StringComparison.Ordinal);
        Assert.Contains("http://endpoint-2/ failed: down", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetLogs_EveryLogHasTwoVotesButNoTwoSetsAgree_Throws()
    {
        EvmLog a = Log(1), b = Log(2), c = Log(3);
        var rpc = Quorum(2, new Scripted { Logs = [a, b] }, new Scripted { Logs = [b, c] }, new Scripted { Logs = [c, a] });

        await Assert.ThrowsAsync<ChainRpcException>(() => rpc.GetLogsAsync(new LogFilter(0, 10, default), CancellationToken.None));
    }

    [Fact]
    public async Task GetLogs_TwoDown_ThrowsTooFewAnswered()
    {
        var rpc = Quorum(2, new Scripted { Logs = [Log(1)] }, new Scripted { Failure = new RpcTransportException("down") }, new Scripted { Failure = new RpcTransportException("down") });

        var error = await Assert.ThrowsAsync<ChainRpcException>(() => rpc.GetLogsAsync(new LogFilter(0, 10, default), CancellationToken.None));
        Assert.Contains("too few endpoints answered", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    public void Constructor_QuorumNotAMajority_Refused(int quorum, int endpoints)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Quorum(quorum, [.. Enumerable.Range(0, endpoints).Select(_ => new Scripted())]));
        Assert.Contains("majority", error.Message, StringComparison.Ordinal);
    }

    private static QuorumEvmRpc Quorum(int quorum, params Scripted[] endpoints) =>
        new([.. endpoints.Select((e, i) => new QuorumEndpoint(new Uri($"http://endpoint-{i}/"), e))], quorum, NullLogger<QuorumEvmRpc>.Instance);

    private static EvmLog Log(int index) => new()
    {
        Address = default,
        Topics = [Bytes32.FromUInt64((ulong)index)],
        Data = [(byte)index],
        BlockNumber = 5,
        BlockHash = Bytes32.FromUInt64(5),
        TransactionHash = Bytes32.FromUInt64(100 + (ulong)index),
        LogIndex = index,
    };

    /// <summary>An endpoint answering the few methods these tests ask; anything else is not part of the script.</summary>
    private sealed class Scripted : IEvmRpc
    {
        public ulong Head { get; init; }

        public byte[] Result { get; init; } = [];

        public IReadOnlyList<EvmLog> Logs { get; init; } = [];

        public Exception? Failure { get; init; }

        public Task<ulong> BlockNumberAsync(CancellationToken cancellationToken) => Answer(Head);

        public Task<byte[]> CallAsync(CallRequest call, string block, CancellationToken cancellationToken) => Answer(Result);

        public Task<byte[]> CallAtBlockHashAsync(CallRequest call, Bytes32 blockHash, CancellationToken cancellationToken) => Answer(Result);

        public Task<IReadOnlyList<EvmLog>> GetLogsAsync(LogFilter filter, CancellationToken cancellationToken) => Answer(Logs);

        public Task<ulong> ChainIdAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BlockHeader?> GetBlockAsync(string block, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<BlockHeader?>> GetBlocksAsync(IReadOnlyList<ulong> numbers, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetTransactionCountAsync(EvmAddress account, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BigInteger> GetBalanceAsync(EvmAddress account, string block, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<BigInteger> MaxPriorityFeePerGasAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<FeeHistory> FeeHistoryAsync(int blockCount, string newestBlock, int rewardPercentile, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Bytes32> SendRawTransactionAsync(byte[] raw, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TransactionReceipt?> GetTransactionReceiptAsync(Bytes32 transactionHash, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<JsonElement>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken cancellationToken) => throw new NotSupportedException();

        private Task<T> Answer<T>(T value) => Failure is null ? Task.FromResult(value) : Task.FromException<T>(Failure);
    }
}
