using System.Text.Json;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Checking;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Tests.Checking;

/// <summary>
/// The Solana reader on the real dev node while a node keeps working: in the 10-minute campaign (seed 7) the node went
/// on refunding expired deferred intents during the chain check, a transaction landed during every full read of the
/// program's history, and after its attempts the reader reported a history older than the vault it read with it: a
/// <c>BalanceMismatch</c> of the refunds that landed in between, with no real fault behind it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class SolanaHistoryReaderIntegrationTests
{
    [Fact]
    public async Task ReadAsync_ProgramTransactionLandsDuringEveryFullRead_HistoryMatchesHoldings()
    {
        var root = TestFiles.RepositoryRoot();
        var solana = Path.Combine(root, "programs", "solana");
        var tools = new DevnetPrerequisites(root, "", Path.Combine(solana, "devnode", "server.js"), Path.Combine(solana, "build", "escrow.so"), "");
        using var http = new HttpClient();
        await using var chain = await SolanaDevChain.StartAsync(tools, http, new ChainId(31337), TimeProvider.System, default);
        await chain.FundPoolAsync(1_000_000, default);
        var user = await chain.NewUserAsync(1_000_000, default);
        var open = new OpenIntentParams(chain.Mint, 1_000, new ChainId(31337), Bytes32.FromUInt64(0xE0), 1_000, Bytes32.FromUInt64(0xF0), long.MaxValue / 4);
        await chain.OpenAsync(user, open, default);

        // Every full read of the history (a signature list with no lower bound) is followed by a real deposit on the
        // dev node before the reader gets to the accounts: the chain moves during each long read, as it did in the campaign.
        var moving = new DepositDuringFullRead(chain.Rpc, () => chain.OpenAsync(user, open, default));
        var history = await new SolanaHistoryReader(moving, chain.Cluster.Options).ReadAsync(default);
        var report = ChainChecker.Check(new ChainHistory([history], Drained: false));

        Assert.Empty(report.Violations);
        Assert.Equal(1, moving.FullReads);
        Assert.Equal(2, history.Records.OfType<IntentOpenedRecord>().Count());
        Assert.Equal(1_000_000UL + 2_000UL, history.Holdings.Single().Held.AsUInt64);
    }

    /// <summary>The real client, with a deposit landed on the chain after each listing of the whole history (at most 5).</summary>
    private sealed class DepositDuringFullRead(ISolanaRpc inner, Func<Task> deposit) : ISolanaRpc
    {
        public int FullReads { get; private set; }

        public async Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken)
        {
            var signatures = await inner.GetSignaturesForAddressAsync(address, page, commitment, cancellationToken);
            if (page is { Before: null, Until: null, Limit: > 1 } && FullReads++ < 5)
            {
                await deposit();
            }

            return signatures;
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetLatestBlockhashAsync(commitment, cancellationToken);

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetBlockHeightAsync(commitment, cancellationToken);

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => inner.GetSlotAsync(commitment, cancellationToken);

        public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken) => inner.SendTransactionAsync(wireTransaction, options, cancellationToken);

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) => inner.GetSignatureStatusesAsync(signatures, cancellationToken);

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
