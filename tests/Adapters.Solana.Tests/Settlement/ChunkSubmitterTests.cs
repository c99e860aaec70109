using System.Text.Json;
using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Settlement;

public sealed class ChunkSubmitterTests : IDisposable
{
    private readonly SolanaKeypair _payer = SolanaKeypair.FromSeed(new byte[32]);
    private readonly SolanaKeypair _attestor = SolanaKeypair.FromSeed(Enumerable.Repeat((byte)9, 32).ToArray());
    private readonly SettlementChunk _leg = new(new ChainId(900001), 9, 0, Bytes32.FromUInt64(3), ChunkStage.Transfer,
        [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Bytes32.FromUInt64(77), Bytes32.FromUInt64(2), 5)]);

    [Fact]
    public async Task SubmitAsync_BlockhashNotFoundAtPreflight_RebuildsWithFreshBlockhashAndResigns()
    {
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(_ => throw Rejected("BlockhashNotFound"));
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(2, rpc.Sent.Count);
        Assert.NotEqual(rpc.Sent[0].Message.RecentBlockhash, rpc.Sent[1].Message.RecentBlockhash);
        Assert.NotEqual(rpc.Sent[0].Id, rpc.Sent[1].Id);
        Assert.Equal((ChunkSubmissionOutcome.Applied, rpc.Sent[1].Id), (result.Outcome, result.TransactionId));
        Assert.All(rpc.Sent, tx => Assert.Equal(2, tx.Signatures.Count));
    }

    [Fact]
    public async Task SubmitAsync_LandedButAnsweredBlockhashNotFound_ConfirmsThatSignatureWithoutRebuilding()
    {
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(tx =>
        {
            rpc.Confirm(tx.Id);
            throw Rejected("BlockhashNotFound");
        });

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal((ChunkSubmissionOutcome.Applied, rpc.Sent[0].Id), (result.Outcome, result.TransactionId));
        Assert.Single(rpc.Sent);
    }

    [Fact]
    public async Task SubmitAsync_SendsFailWithoutRuntimeErrorAndStayUnseen_RebuildsThenNamesTheLastFailure()
    {
        var rpc = new ScriptedRpc();
        for (var i = 0; i < 5; i++)
        {
            rpc.Sends.Enqueue(_ => throw new JsonRpcException(-32002, "Transaction simulation failed: Blockhash not found", null) { Method = "sendTransaction" });
        }

        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(rpc).SubmitAsync(_leg, default));

        Assert.Equal(5, rpc.Sent.Select(tx => tx.Id).Distinct().Count());
        Assert.Contains("not confirmed after 5 fresh blockhashes (last send: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Transaction simulation failed: Blockhash not found)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitAsync_RetriedSendAnsweredAlreadyProcessed_ConfirmsTheSameSignature()
    {
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(tx =>
        {
            rpc.Confirm(tx.Id);
            throw Rejected("AlreadyProcessed");
        });

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(rpc.Sent[0].Id, result.TransactionId);
    }

    [Fact]
    public async Task SubmitAsync_LandedButChunkAlreadyApplied_ReportsAlreadyAppliedFromReceipt()
    {
        var rpc = new ScriptedRpc();
        var chunkHash = _leg.ChunkHash();
        rpc.Sends.Enqueue(tx =>
        {
            rpc.Statuses[tx.Id] = new SignatureStatus(5, Commitment.Confirmed, new TransactionError("InstructionError", 2, "Custom", 22, "{}"));
            rpc.Receipt = Receipt(chunkHash, _leg.BatchRoot);
        });

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, result.Outcome);
    }

    [Fact]
    public async Task SubmitAsync_ReceiptWithOtherChunkHash_ThrowsConflictWithoutSending()
    {
        var rpc = new ScriptedRpc { Receipt = Receipt(Bytes32.FromUInt64(1234), _leg.BatchRoot) };
        var ex = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(rpc).SubmitAsync(_leg, default));
        Assert.Contains("different content", ex.Message);
        Assert.Empty(rpc.Sent);
    }

    [Fact]
    public async Task SubmitAsync_ProgramErrorAtPreflight_ThrowsWithNameAndLogs()
    {
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(_ => throw new SolanaTransactionException("sendTransaction", -32002, new TransactionError("InstructionError", 3, "Custom", 24, "{}"), ["log"], null));
        var ex = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(rpc).SubmitAsync(_leg, default));
        Assert.Equal("InsufficientPool", ex.Error?.ProgramErrorName);
        Assert.Equal(["log"], ex.Logs);
        Assert.Single(rpc.Sent);
    }

    [Fact]
    public async Task SubmitAsync_SentButUnseen_ResendsTheSameBytesUntilItLands()
    {
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(_ => { });
        rpc.Sends.Enqueue(_ => { });
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(3, rpc.Sent.Count);
        Assert.Single(rpc.Sent.Select(t => t.Id).Distinct());
        Assert.Equal(rpc.Sent[0].Id, result.TransactionId);
    }

    [Fact]
    public async Task SubmitAsync_ChunkOfAnotherChain_Throws() =>
        await Assert.ThrowsAsync<ArgumentException>(() => Submitter(new ScriptedRpc()).SubmitAsync(_leg with { ChainId = new ChainId(1) }, default));

    public void Dispose()
    {
        _payer.Dispose();
        _attestor.Dispose();
    }

    private static SolanaTransactionException Rejected(string kind) =>
        new("sendTransaction", -32002, new TransactionError(kind, null, null, null, $"\"{kind}\""), [], null);

    private static byte[] Receipt(Bytes32 chunkHash, Bytes32 batchRoot)
    {
        var data = new byte[96];
        data[0] = 4;
        BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8), 9);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(20), 1);
        chunkHash.CopyTo(data.AsSpan(24));
        batchRoot.CopyTo(data.AsSpan(56));
        return data;
    }

    // The devnet's node: a payer that is none of its 3 attestor keys, fresh recipients. Unset limits are the planner's
    // input; a chunk planned at them that no transaction can carry would be an owed payout retried forever.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Limits_PayerBesidesThreeAttestors_WorstCaseChunkAtTheLimitsFitsOneTransaction(bool lookupTable)
    {
        SolanaKeypair[] attestors = [.. Enumerable.Range(20, 3).Select(i => SolanaKeypair.FromSeed(Enumerable.Repeat((byte)i, 32).ToArray()))];
        var options = Options();
        options.LookupTable = lookupTable ? SolanaClusterOptions.AutoLookupTable : null;
        var submitter = new ChunkSubmitter(new ScriptedRpc(), options, new LocalKeypairSigner(_payer), [.. attestors.Select(a => new LocalKeypairSigner(a))]);
        try
        {
            foreach (var kind in new[] { ActionKind.Release, ActionKind.Refund, ActionKind.Payout, ActionKind.Withdraw })
            {
                var limit = kind == ActionKind.Release ? submitter.Limits.MaxReleases : submitter.Limits.MaxTransfers;
                var built = ChunkTransactionBuilder.WorstCase(new EscrowProgram(options.ProgramKey), options.Chain, kind, limit, _payer.PublicKey, [.. attestors.Select(a => a.PublicKey)], lookupTable);
                Assert.True(built.Size <= Transaction.MaxSize, $"{limit} {kind} actions need {built.Size} bytes");
                Assert.InRange(built.AccountCount, 1, ChunkTransaction.MaxAccountLocks);
                Assert.InRange(built.EstimatedUnits, 1u, options.ComputeUnitLimit);
            }
        }
        finally
        {
            foreach (var attestor in attestors)
            {
                attestor.Dispose();
            }
        }
    }

    [Fact]
    public async Task SubmitAsync_MoreActionsThanTheLimit_ThrowsNamingTheChunkWithoutSending()
    {
        var rpc = new ScriptedRpc();
        var big = _leg with
        {
            Index = 7,
            Actions = [.. Enumerable.Range(0, Submitter(rpc).Limits.MaxTransfers + 1).Select(i => new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64((ulong)i + 1), Bytes32.FromUInt64(77), Bytes32.FromUInt64(2), 5))],
        };
        var ex = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(rpc).SubmitAsync(big, default));
        Assert.Equal((9ul, 7u), (ex.EpochId, ex.Chunk));
        Assert.StartsWith("Epoch 9 chunk 7:", ex.Message, StringComparison.Ordinal);
        Assert.Empty(rpc.Sent);
    }

    [Fact]
    public async Task SubmitAsync_AccountCreationFailsBecauseTheAccountAppeared_RebuildsWithoutIt()
    {
        // The recipient's ATA did not exist when the transaction was built; it appears (reassigned to another owner)
        // before ours lands, so CreateIdempotent (instruction 1) fails. Even if it is closed again (it looks missing),
        // the rebuilt transaction must not try to create it: the program makes a missing account a claim.
        var rpc = new ScriptedRpc();
        rpc.Sends.Enqueue(_ => throw new SolanaTransactionException("sendTransaction", -32002, new TransactionError("InstructionError", 1, "IllegalOwner", null, "{}"), [], null));
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal(2, rpc.Sent.Count);
        Assert.Equal(3, rpc.Sent[0].Message.Instructions.Count);
        Assert.Equal(2, rpc.Sent[1].Message.Instructions.Count);
    }

    [Fact]
    public async Task SubmitAsync_TransactionExpiredUnseen_RebuildStillCreatesMissingAccounts()
    {
        // A lost transaction is not a race on the recipient's account: its rebuild keeps creating missing accounts.
        var rpc = new ScriptedRpc { BlockHeight = 1000 };
        rpc.Sends.Enqueue(_ => { });
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));

        var result = await Submitter(rpc).SubmitAsync(_leg, default);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal(2, rpc.Sent.Count);
        Assert.All(rpc.Sent, tx => Assert.Equal(3, tx.Message.Instructions.Count));
    }

    // The limit is what the simulation consumed plus, per transfer, the claim path's exact bump search (the
    // simulated transfer may be delivered), plus the margin; the price the percentile of recent fees within bounds.
    [Fact]
    public async Task SubmitAsync_LimitFromSimulationPlusClaimReserve_PriceFromRecentFees()
    {
        var rpc = new ScriptedRpc { SimulatedUnits = 50_000, Fees = [new(1, 10), new(2, 20), new(3, 30), new(4, 4_000)] };
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));
        await Submitter(rpc, o => o.ComputeUnitPrice = 5).SubmitAsync(_leg, default);

        var escrow = new EscrowProgram(Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw"));
        var reserve = (escrow.ClaimSearchTries(Bytes32.FromUInt64(2), Bytes32.FromUInt64(77)) * 400) + 2_000;
        var (limit, price) = Budget(rpc.Sent[0]);
        Assert.Equal((uint)((50_000 + reserve) * 120 / 100), limit);
        Assert.Equal(30ul, price);
        var (probeLimit, _) = Budget(Assert.Single(rpc.Simulated));
        Assert.Equal(1_400_000u, probeLimit);
        Assert.All(Assert.Single(rpc.Simulated).Signatures, s => Assert.All(s, b => Assert.Equal(0, b)));

        rpc.Fees = [new(5, 1), new(6, 2)];
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));
        await Submitter(rpc, o => o.ComputeUnitPrice = 5).SubmitAsync(_leg with { Index = 1 }, default);
        Assert.Equal(5ul, Budget(rpc.Sent[1]).Price);
    }

    [Fact]
    public async Task SubmitAsync_SimulationFails_RequestsTheStaticEstimateAndLetsPreflightDecide()
    {
        var rpc = new ScriptedRpc { SimulationError = new TransactionError("InstructionError", 3, "Custom", 9, "{}") };
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));
        var submitter = Submitter(rpc);
        var expected = (await submitter.BuildAsync(_leg, createAccounts: true, default)).EstimatedUnits;
        await submitter.SubmitAsync(_leg, default);
        Assert.Equal(expected, Budget(rpc.Sent[0]).Limit);
    }

    [Fact]
    public async Task SubmitAsync_RpcWithoutSimulationOrFees_StaticEstimateAndTheConfiguredPrice()
    {
        var rpc = new ScriptedRpc { Unsupported = true, Fees = [new(1, 999)] };
        rpc.Sends.Enqueue(tx => rpc.Confirm(tx.Id));
        var submitter = Submitter(rpc, o => o.ComputeUnitPrice = 7);
        await submitter.SubmitAsync(_leg, default);
        var expected = ChunkTransactionBuilder.Build(_leg, new EscrowProgram(Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw")), _payer.PublicKey, [_payer.PublicKey, _attestor.PublicKey], 7, new HashSet<(Bytes32, Bytes32)> { (Bytes32.FromUInt64(2), Bytes32.FromUInt64(77)) }).EstimatedUnits; // the scripted node has no accounts: one created
        Assert.Equal((expected, 7ul), Budget(rpc.Sent[0]));
    }

    private static (uint Limit, ulong Price) Budget(Transaction tx)
    {
        var ixs = tx.Message.Instructions;
        var limit = BinaryPrimitives.ReadUInt32LittleEndian(ixs[0].Data.AsSpan(1));
        var price = ixs[1].Data[0] == 3 ? BinaryPrimitives.ReadUInt64LittleEndian(ixs[1].Data.AsSpan(1)) : 0;
        Assert.Equal(2, ixs[0].Data[0]);
        return (limit, price);
    }

    private ChunkSubmitter Submitter(ISolanaRpc rpc, Action<SolanaClusterOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        return new(rpc, options, new LocalKeypairSigner(_payer), [new LocalKeypairSigner(_payer), new LocalKeypairSigner(_attestor)]);
    }

    private static SolanaClusterOptions Options() =>
        new()
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:1") },
            ChainId = 900001,
            ProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw",
            Commitment = Commitment.Confirmed,
            ConfirmPollInterval = TimeSpan.FromMilliseconds(1),
            ResendInterval = TimeSpan.FromMilliseconds(10),
        };

    private sealed class ScriptedRpc : ISolanaRpc
    {
        private ulong _blockhashes;

        public Queue<Action<Transaction>> Sends { get; } = new();

        public List<Transaction> Sent { get; } = [];

        public Dictionary<string, SignatureStatus> Statuses { get; } = [];

        public byte[]? Receipt { get; set; }


        public void Confirm(string signature) => Statuses[signature] = new SignatureStatus(5, Commitment.Confirmed, null);

        public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken)
        {
            var tx = Transaction.Deserialize(wireTransaction);
            Sent.Add(tx);
            Sends.Dequeue()(tx);
            return Task.FromResult(tx.Id);
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult(new LatestBlockhash(Bytes32.FromUInt64(++_blockhashes), 100, 1));

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SignatureStatus?>>([.. signatures.Select(s => Statuses.GetValueOrDefault(s))]);

        /// <summary>Above the scripted blockhashes' last valid height (100) makes every unseen transaction expired.</summary>
        public ulong BlockHeight { get; set; } = 1;

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => Task.FromResult(BlockHeight);

        public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult(Receipt is null ? null : new AccountInfo(1, Base58.DecodeKey("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw"), Receipt, false));

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        // No destination token account exists: the submitter would create each one.
        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<AccountInfo?>>([.. addresses.Select(_ => (AccountInfo?)null)]);

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken)
        {
            if (Unsupported)
            {
                throw new JsonRpcException(-32601, "Method not found", null) { Method = "simulateTransaction" };
            }

            Simulated.Add(Transaction.Deserialize(wireTransaction));
            return Task.FromResult(new SimulationResult(SimulationError, [], SimulationError is null ? SimulatedUnits : null));
        }

        public List<Transaction> Simulated { get; } = [];

        public TransactionError? SimulationError { get; set; }

        public ulong SimulatedUnits { get; set; } = 100_000;

        public IReadOnlyList<PrioritizationFee> Fees { get; set; } = [];

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) =>
            Unsupported ? throw new JsonRpcException(-32601, "Method not found", null) { Method = "getRecentPrioritizationFees" } : Task.FromResult(Fees);

        /// <summary>An RPC provider without simulateTransaction and getRecentPrioritizationFees.</summary>
        public bool Unsupported { get; set; }

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
