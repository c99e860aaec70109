using System.Text.Json;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Rpc;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Rpc;

/// <summary><see cref="QuorumSolanaRpc"/> over in-memory endpoints that answer at once, in the order listed.</summary>
public sealed class QuorumSolanaRpcTests
{
    private static readonly AccountInfo Pool = new(1, Bytes32.FromUInt64(2), [2, 0, 0, 0], false);

    [Fact]
    public async Task AccountAtSlot_AnEndpointAgreesOnTheContentAtALowSlot_TheHighestAgreeingSlotIsReturned()
    {
        // The pool read at a cursor ties its history read to the slot of the pool read: an endpoint that returns the
        // agreed content at a low slot (lagging, or lying about the slot) must not loosen that tie.
        var rpc = Quorum(new AccountEndpoint(Pool, 1), new AccountEndpoint(Pool, 120), new AccountEndpoint(Pool, 118));

        var read = await rpc.GetAccountInfoAtSlotAsync(Bytes32.FromUInt64(9), Commitment.Confirmed, minContextSlot: 100, default);

        Assert.Equal(120UL, read.ContextSlot);
        Assert.Same(Pool, read.Account);
    }

    [Fact]
    public async Task AccountAtSlot_TheHighestSlotIsADisagreeingEndpoints_ItIsNotTaken()
    {
        var altered = Pool with { Data = [2, 0, 0, 1] };
        var rpc = Quorum(new AccountEndpoint(altered, 500), new AccountEndpoint(Pool, 120), new AccountEndpoint(Pool, 118));

        var read = await rpc.GetAccountInfoAtSlotAsync(Bytes32.FromUInt64(9), Commitment.Confirmed, minContextSlot: null, default);

        Assert.Equal((120UL, Pool), (read.ContextSlot, read.Account));
    }

    [Fact]
    public async Task AccountAtSlot_MinContextSlotReachesEveryEndpoint()
    {
        var endpoints = new[] { new AccountEndpoint(Pool, 120), new AccountEndpoint(Pool, 121), new AccountEndpoint(Pool, 122) };

        await Quorum(endpoints).GetAccountInfoAtSlotAsync(Bytes32.FromUInt64(9), Commitment.Confirmed, minContextSlot: 100, default);

        Assert.All(endpoints.Where(e => e.Asked.Count > 0), e => Assert.Equal([100UL], e.Asked.Select(a => a ?? 0)));
    }

    private static QuorumSolanaRpc Quorum(params AccountEndpoint[] endpoints) =>
        new(new RpcQuorum<ISolanaRpc>([.. endpoints.Select((e, i) => new QuorumMember<ISolanaRpc>(new Uri($"http://endpoint-{i}.invalid/"), e))], 2, NullLogger.Instance));

    /// <summary>An endpoint that answers account reads with one account at one slot (and nothing else).</summary>
    private sealed class AccountEndpoint(AccountInfo account, ulong slot) : ISolanaRpc
    {
        public List<ulong?> Asked { get; } = [];

        public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken)
        {
            Asked.Add(minContextSlot);
            return Task.FromResult(new AccountAtSlot(account, slot));
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
