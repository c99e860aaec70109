using System.Text.Json;
using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Settlement;

public sealed class LookupTableSlotTests
{
    private readonly SolanaKeypair _payer = SolanaKeypair.FromSeed(new byte[32]);
    private readonly SolanaKeypair _attestor = SolanaKeypair.FromSeed(Enumerable.Repeat((byte)9, 32).ToArray());
    private readonly SettlementChunk _leg = new(new ChainId(900001), 9, 0, Bytes32.FromUInt64(3), ChunkStage.Transfer,
        [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Bytes32.FromUInt64(77), Bytes32.FromUInt64(2), 5)]);

    // A process restarts (or a second one starts) configured with the table address right after the table was
    // extended with this chunk's addresses in the current slot. Appended addresses are usable only from the next
    // slot, but the table already holds everything, so EnsureTableAsync returns without waiting for the slot.
    [Fact]
    public async Task SubmitAsync_ConfiguredTableExtendedInTheCurrentSlot_WaitsForTheNextSlotBeforeUsingIt()
    {
        var options = Options();
        var escrow = new EscrowProgram(options.ProgramKey);
        var missing = ChunkTransactionBuilder.Destinations(_leg).ToHashSet();
        var draft = ChunkTransactionBuilder.Build(_leg, escrow, _payer.PublicKey, [_payer.PublicKey, _attestor.PublicKey], options.ComputeUnitPrice, missing);
        var tableAddress = Bytes32.FromUInt64(0x7ab1e);
        var rpc = new TableRpc(tableAddress, TableData(_payer.PublicKey, lastExtendedSlot: 50, draft.LookupAddresses)) { Slot = 50 };
        options.LookupTable = Base58.EncodeKey(tableAddress);
        var submitter = new ChunkSubmitter(rpc, options, new LocalKeypairSigner(_payer), [new LocalKeypairSigner(_payer), new LocalKeypairSigner(_attestor)]);

        var result = await submitter.SubmitAsync(_leg, default);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.All(rpc.UsedTableAtSlot, s => Assert.True(s > 50, $"a v0 transaction over the table was simulated/sent at slot {s}, when its addresses appended in slot 50 are not usable yet"));
    }

    private static byte[] TableData(Bytes32 authority, ulong lastExtendedSlot, IReadOnlyList<Bytes32> addresses)
    {
        var data = new byte[LookupTableState.HeaderSize + (32 * addresses.Count)];
        BinaryPrimitives.WriteUInt32LittleEndian(data, 1);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(4), ulong.MaxValue);
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(12), lastExtendedSlot);
        data[21] = 1;
        authority.ToArray().CopyTo(data, 22);
        for (var i = 0; i < addresses.Count; i++)
        {
            addresses[i].ToArray().CopyTo(data, LookupTableState.HeaderSize + (32 * i));
        }

        return data;
    }

    private static SolanaClusterOptions Options() => new()
    {
        Rpc = new() { Url = new Uri("http://127.0.0.1:1") },
        ChainId = 900001,
        ProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw",
        Commitment = Commitment.Confirmed,
        ConfirmPollInterval = TimeSpan.FromMilliseconds(1),
        ResendInterval = TimeSpan.FromMilliseconds(10),
    };

    /// <summary>A node whose slot advances by one on every getSlot; it answers the table account and confirms every send.</summary>
    private sealed class TableRpc(Bytes32 table, byte[] tableData) : ISolanaRpc
    {
        private ulong _blockhashes;
        private readonly Dictionary<string, SignatureStatus> _statuses = [];

        public ulong Slot { get; set; }

        public List<ulong> UsedTableAtSlot { get; } = [];

        public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken)
        {
            var tx = Transaction.Deserialize(wireTransaction);
            if (tx.Message.AddressTableLookups.Count > 0)
            {
                UsedTableAtSlot.Add(Slot);
            }

            _statuses[tx.Id] = new SignatureStatus(Slot, Commitment.Confirmed, null);
            return Task.FromResult(tx.Id);
        }

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken)
        {
            if (Transaction.Deserialize(wireTransaction).Message.AddressTableLookups.Count > 0)
            {
                UsedTableAtSlot.Add(Slot);
            }

            return Task.FromResult(new SimulationResult(null, [], 100_000));
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult(new LatestBlockhash(Bytes32.FromUInt64(++_blockhashes), 100, 1));

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SignatureStatus?>>([.. signatures.Select(s => _statuses.GetValueOrDefault(s))]);

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => Task.FromResult(1ul);

        public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult(address == table ? new AccountInfo(1, AddressLookupTableProgram.ProgramId, tableData, false) : null);

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => Task.FromResult(Slot++);

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AccountInfo?>>([.. addresses.Select(_ => (AccountInfo?)null)]);

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<PrioritizationFee>>([]);

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
