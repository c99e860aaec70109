using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class BlockhashExpiryIntegrationTests(DevnodeFixture node)
{
    [Fact]
    public async Task SubmitAsync_FirstTransactionLostAndBlockhashExpires_RebuildsResignsAndAppliesOnce()
    {
        var scenario = await LegScenario.CreateAsync(node, "expiry", epoch: 301, releases: 0, refunds: 0, payouts: 2);
        var rpc = new LosingRpc(node.Rpc);
        var submitter = new ChunkSubmitter(rpc, node.Options(), new LocalKeypairSigner(node.Signers[1]), [new LocalKeypairSigner(node.Signers[1]), new LocalKeypairSigner(node.Signers[2])]);
        await node.FundSolAsync(node.Signers[1].PublicKey);

        var result = await LegScenario.SubmitLegAsync(submitter, scenario.Leg);

        var lost = Assert.Single(rpc.Lost);
        Assert.All(result, c => Assert.Equal(ChunkSubmissionOutcome.Applied, c.Outcome));
        Assert.DoesNotContain(lost, result.Select(c => c.TransactionId));
        Assert.Null((await node.Rpc.GetSignatureStatusesAsync([lost], default))[0]);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    /// <summary>Loses the first sendTransaction (never reaches the node) and warps the node 200 slots so its blockhash expires.</summary>
    private sealed class LosingRpc(SolanaRpcClient inner) : ISolanaRpc
    {
        public List<string> Lost { get; } = [];

        public async Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken)
        {
            if (Lost.Count > 0)
            {
                return await inner.SendTransactionAsync(wireTransaction, options, cancellationToken);
            }

            Lost.Add(Transaction.Deserialize(wireTransaction).Id);
            var slot = await inner.GetSlotAsync(Commitment.Confirmed, cancellationToken);
            await inner.CallAsync("devnode_warpSlot", w => w.WriteNumberValue(slot + 200), _ => 0, cancellationToken);
            return Lost[0];
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetLatestBlockhashAsync(commitment, cancellationToken);

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetBlockHeightAsync(commitment, cancellationToken);

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetSlotAsync(commitment, cancellationToken);

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) => inner.GetSignatureStatusesAsync(signatures, cancellationToken);

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken) => inner.GetSignaturesForAddressAsync(address, page, commitment, cancellationToken);

        public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) => inner.GetTransactionAsync(signature, commitment, cancellationToken);

        public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) => inner.GetAccountInfoAtSlotAsync(address, commitment, minContextSlot, cancellationToken);

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => inner.GetAccountInfoAsync(address, commitment, cancellationToken);

        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) => inner.GetMultipleAccountsAsync(addresses, commitment, cancellationToken);

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => inner.GetBalanceAsync(address, commitment, cancellationToken);

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => inner.GetMinimumBalanceForRentExemptionAsync(dataLength, cancellationToken);

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken) => inner.SimulateTransactionAsync(wireTransaction, commitment, cancellationToken);

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) => inner.GetRecentPrioritizationFeesAsync(writableAccounts, cancellationToken);

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => inner.RequestAsync(method, parameters, cancellationToken);
    }
}
