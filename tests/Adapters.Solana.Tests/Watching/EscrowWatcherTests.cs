using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Tests.Programs;
using DiscreteExec.Adapters.Solana.Tests.Support;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Messages;
using DiscreteExec.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Adapters.Solana.Tests.Watching;

public sealed class EscrowWatcherTests
{
    private static readonly string Ours = Base58.EncodeKey(EscrowEventDecoderTests.ProgramId);

    [Fact]
    public async Task PollOnce_PagesSkipsFailedAndMalformed_ReportsEachIntentOnce()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        rpc.Add(Opened(1), failed: true);
        rpc.Add([$"Program {Ours} invoke [1]", "Program data: AQID", $"Program {Ours} success"]);
        rpc.Add(Opened(1), Opened(2));
        rpc.Add(Opened(3));
        var seen = new List<IntentObserved>();
        var logger = new CollectingLogger();
        var watcher = new EscrowWatcher(rpc, Options(pageSize: 2), new InMemoryCheckpointStore<WatcherCheckpoint>(), logger);

        Assert.Equal(4, await watcher.PollOnceAsync(Collect(seen), default));
        var malformed = Assert.Single(logger.Entries, e => e.Id.Id == 6011);
        Assert.Contains("sig2", malformed.Message);

        Assert.Equal([0ul, 1, 2, 3], seen.Select(o => o.Intent.DepositNonce));
        Assert.Equal([0, 0, 1, 0], seen.Select(o => o.Position.LogIndex));
        Assert.True(rpc.PageCalls >= 3);
        Assert.Equal(0, await watcher.PollOnceAsync(Collect(seen), default));
    }

    [Fact]
    public async Task PollOnce_TransactionNotYetVisible_StopsThereAndResumesLater()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        var hidden = rpc.Add(Opened(1));
        rpc.Add(Opened(2));
        rpc.Hidden.Add(hidden);
        var seen = new List<IntentObserved>();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryCheckpointStore<WatcherCheckpoint>());

        Assert.Equal(1, await watcher.PollOnceAsync(Collect(seen), default));
        rpc.Hidden.Clear();
        Assert.Equal(2, await watcher.PollOnceAsync(Collect(seen), default));
        Assert.Equal([0ul, 1, 2], seen.Select(o => o.Intent.DepositNonce));
    }

    [Fact]
    public async Task PollOnce_NodeForgotCheckpointSignature_NonceMarkPreventsDuplicates()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        rpc.Add(Opened(1));
        var store = new InMemoryCheckpointStore<WatcherCheckpoint>();
        var seen = new List<IntentObserved>();
        await new EscrowWatcher(rpc, Options(), store).PollOnceAsync(Collect(seen), default);
        var checkpoint = await store.LoadAsync(default);
        await store.SaveAsync(checkpoint! with { LastSignature = "unknown-to-the-node" }, default);
        rpc.Add(Opened(2));

        Assert.Equal(1, await new EscrowWatcher(rpc, Options(), store).PollOnceAsync(Collect(seen), default));
        Assert.Equal([0ul, 1, 2], seen.Select(o => o.Intent.DepositNonce));
    }

    [Fact]
    public async Task FileCheckpoint_SaveLoad_RoundTripsAndLeavesNoTempFiles()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var store = new JsonFileCheckpointStore<WatcherCheckpoint>(Path.Combine(dir.FullName, "cp.json"));
            Assert.Null(await store.LoadAsync(default));
            await store.SaveAsync(new WatcherCheckpoint("sig1", 10, 3), default);
            await store.SaveAsync(new WatcherCheckpoint("sig2", 11, 4), default);
            Assert.Equal(new WatcherCheckpoint("sig2", 11, 4), await new JsonFileCheckpointStore<WatcherCheckpoint>(Path.Combine(dir.FullName, "cp.json")).LoadAsync(default));
            Assert.Single(dir.GetFiles());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_NodeDownThenBack_KeepsPollingAndReports()
    {
        var rpc = new FakeRpc { Down = true };
        rpc.Add(Opened(0));
        var time = new SignallingTimeProvider();
        var seen = new List<IntentObserved>();
        using var cts = new CancellationTokenSource();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryCheckpointStore<WatcherCheckpoint>(), timeProvider: time);
        var run = watcher.RunAsync(Collect(seen), cts.Token);
        await time.NextDelayAsync(); // the first pass failed: the node is down
        time.Advance(TimeSpan.FromSeconds(1));
        await time.NextDelayAsync(); // so did the second
        Assert.Empty(seen);
        rpc.Down = false;
        time.Advance(TimeSpan.FromSeconds(1));
        await time.NextDelayAsync(); // the pass after the node came back
        Assert.False(run.IsCompleted, run.Exception?.GetBaseException().Message ?? "the watcher loop ended");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Single(seen);
    }

    [Fact]
    public async Task RunAsync_SinkFailsMidTransactionAtStartUp_NothingReportedTwiceOrMarkedRecovered()
    {
        // Found by the attacker's review: the sink refuses the second intent of a two-intent transaction once, at
        // start-up; the start-up reconciliation then ran from the checkpoint saved before that transaction and handed
        // the intent the sink had already taken over again, labelled "recovered".
        var rpc = new FakeRpc();
        rpc.Add(Opened(0), Opened(1));
        var time = new SignallingTimeProvider();
        var seen = new List<IntentObserved>();
        var failures = 0;
        using var cts = new CancellationTokenSource();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryCheckpointStore<WatcherCheckpoint>(), timeProvider: time);
        var run = watcher.RunAsync(
            new CallbackSink((o, _) =>
            {
                if (o.Intent.DepositNonce == 1 && failures++ == 0)
                {
                    throw new InvalidOperationException("bus unavailable");
                }

                seen.Add(o);
                return ValueTask.CompletedTask;
            }),
            cts.Token);

        // The first pass fails on nonce 1; each later pass ends in the next poll delay. Nothing may follow the retry.
        for (var pass = 0; pass < 5; pass++)
        {
            await time.NextDelayAsync();
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(run.IsCompleted, run.Exception?.GetBaseException().Message ?? "the watcher loop ended");

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        // The failed transaction is read again from the saved checkpoint, so nonce 0 may come twice (at least once,
        // deduplicated by intent id downstream), but never as a "recovery": the event path was never broken.
        Assert.Equal([0ul, 1], seen.Select(o => o.Intent.DepositNonce).Distinct());
        Assert.All(seen, o => Assert.Null(o.RecoveredBecause));
    }

    [Fact]
    public async Task RunAsync_SinkFailsOnce_KeepsPollingAndReportsOnTheNextPoll()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        var time = new SignallingTimeProvider();
        var seen = new List<IntentObserved>();
        var failures = 0;
        using var cts = new CancellationTokenSource();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryCheckpointStore<WatcherCheckpoint>(), timeProvider: time);
        var run = watcher.RunAsync(
            new CallbackSink((o, _) =>
            {
                if (failures++ == 0)
                {
                    throw new InvalidOperationException("bus unavailable");
                }

                seen.Add(o);
                return ValueTask.CompletedTask;
            }),
            cts.Token);
        await time.NextDelayAsync(); // the first pass: the sink refused
        Assert.Empty(seen);
        time.Advance(TimeSpan.FromSeconds(1));
        await time.NextDelayAsync(); // the next pass

        Assert.False(run.IsCompleted, $"the watcher loop ended: {run.Exception?.InnerException?.Message}");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal([0ul], seen.Select(o => o.Intent.DepositNonce));
    }

    [Fact]
    public async Task PollOnce_LogsTruncated_RecoversMissingNonceOnceWithTheEventsFields()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        var lost = rpc.AddLost(1);
        rpc.Add(Opened(2));
        var seen = new List<IntentObserved>();
        var logger = new CollectingLogger();
        var store = new InMemoryCheckpointStore<WatcherCheckpoint>();
        var watcher = new EscrowWatcher(rpc, Options(), store, logger);

        Assert.Equal(3, await watcher.PollOnceAsync(Collect(seen), default));

        Assert.Equal([0ul, 1, 2], seen.Select(o => o.Intent.DepositNonce));
        var recovered = Assert.Single(seen, o => o.RecoveredBecause is not null);
        Assert.Equal(1ul, recovered.Intent.DepositNonce);
        Assert.Contains("nonce 1", recovered.RecoveredBecause);
        Assert.Contains($"logs truncated in {lost}", recovered.RecoveredBecause);
        var fromEvent = ((Solana.Programs.IntentOpenedEvent)Solana.Programs.EscrowEventDecoder.DecodeBase64(Convert.ToBase64String(EscrowEventDecoderTests.IntentOpened(1))))
            .ToIntent(new ChainId(900001), EscrowEventDecoderTests.ProgramId);
        Assert.Equal(fromEvent, recovered.Intent);
        Assert.All(seen.Where(o => o != recovered), o => Assert.Null(o.RecoveredBecause));
        var warning = Assert.Single(logger.Entries, e => e.Id.Id == 6016);
        Assert.Contains("nonce 1", warning.Message);
        Assert.Equal(new WatcherCheckpoint("sig2", 3, 3), await store.LoadAsync(default));

        Assert.Equal(0, await watcher.PollOnceAsync(Collect(seen), default));
        Assert.Equal(3, seen.Count);
    }

    [Fact]
    public async Task PollOnce_RestartInTheMiddleOfAGap_NothingTwiceNothingSkipped()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        rpc.AddLost(1);
        rpc.Add(Opened(2));
        rpc.AddLost(3);
        rpc.Add(Opened(4));
        rpc.FailAccountBatchReads = 1;
        var store = new InMemoryCheckpointStore<WatcherCheckpoint>();
        var seen = new List<IntentObserved>();

        await Assert.ThrowsAsync<RpcTransportException>(() => new EscrowWatcher(rpc, Options(), store).PollOnceAsync(Collect(seen), default));
        Assert.Equal(new WatcherCheckpoint("sig1", 2, 1), await store.LoadAsync(default)); // stopped in the gap that sig2's event revealed

        var restarted = new EscrowWatcher(rpc, Options(), store);
        Assert.Equal(4, await restarted.PollOnceAsync(Collect(seen), default));
        Assert.Equal([0ul, 1, 2, 3, 4], seen.Select(o => o.Intent.DepositNonce));
        Assert.Equal([false, true, false, true, false], seen.Select(o => o.RecoveredBecause is not null));
        Assert.Equal(new WatcherCheckpoint("sig4", 5, 5), await store.LoadAsync(default));
    }

    [Fact]
    public async Task PollOnce_TransactionUnreadableForReconcileInterval_RecoversThenSkipsTheLateEvent()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        var hidden = rpc.Add(Opened(1));
        rpc.Hidden.Add(hidden);
        var time = new FakeTimeProvider();
        var seen = new List<IntentObserved>();
        var logger = new CollectingLogger();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryCheckpointStore<WatcherCheckpoint>(), logger, time);

        Assert.Equal(1, await watcher.PollOnceAsync(Collect(seen), default));
        time.Advance(Options().ReconcileInterval - TimeSpan.FromSeconds(1));
        Assert.Equal(0, await watcher.PollOnceAsync(Collect(seen), default));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await watcher.PollOnceAsync(Collect(seen), default));
        Assert.Contains($"transaction {hidden} listed but not readable", Assert.Single(seen, o => o.RecoveredBecause is not null).RecoveredBecause);

        rpc.Hidden.Clear();
        Assert.Equal(0, await watcher.PollOnceAsync(Collect(seen), default));
        Assert.Equal([0ul, 1], seen.Select(o => o.Intent.DepositNonce));
        Assert.Single(logger.Entries, e => e.Id.Id == 6013);
    }

    [Fact]
    public async Task RunAsync_EventPathDown_ReconcilesAtStartUpAndEveryReconcileInterval()
    {
        var rpc = new FakeRpc { SignaturesDown = true };
        rpc.AddLost(0);
        rpc.AddLost(1);
        var time = new SignallingTimeProvider();
        var seen = new List<IntentObserved>();
        using var cts = new CancellationTokenSource();
        var options = Options();
        options.ReconcileInterval = TimeSpan.FromSeconds(5);
        var watcher = new EscrowWatcher(rpc, options, new InMemoryCheckpointStore<WatcherCheckpoint>(), timeProvider: time);
        var run = watcher.RunAsync(Collect(seen), cts.Token);

        await time.NextDelayAsync(); // the first pass is done: its poll failed, the start-up catch-up recovered 0 and 1
        Assert.Equal([0ul, 1], seen.Select(o => o.Intent.DepositNonce));
        Assert.All(seen, o => Assert.EndsWith(": start-up catch-up while polling events fails", o.RecoveredBecause));
        rpc.AddLost(2);
        for (var second = 1; second < 5; second++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await time.NextDelayAsync();
            Assert.Equal(2, seen.Count);
        }

        time.Advance(TimeSpan.FromSeconds(1));
        await time.NextDelayAsync();
        Assert.Equal(2ul, seen[^1].Intent.DepositNonce);
        Assert.EndsWith(": periodic reconciliation while polling events fails", seen[^1].RecoveredBecause);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal(3, seen.Count);
    }

    private static string[] Opened(ulong nonce) =>
        [$"Program {Ours} invoke [1]", "Program data: " + Convert.ToBase64String(EscrowEventDecoderTests.IntentOpened(nonce)), $"Program {Ours} success"];

    private static CallbackSink Collect(List<IntentObserved> into) => CallbackSink.Collect(into);

    private static SolanaClusterOptions Options(int pageSize = 1000) => new()
    {
        Rpc = new() { Url = new Uri("http://127.0.0.1:1") },
        ChainId = 900001,
        ProgramId = Ours,
        Commitment = Commitment.Finalized,
        SignaturePageSize = pageSize,
        PollInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// An in-memory program history: transactions oldest first, each with logs, and the escrow state they leave: the
    /// config's next nonce and an intent account per opened nonce (also for an Open whose log line was lost).
    /// </summary>
    internal sealed class FakeRpc : ISolanaRpc
    {
        private static readonly Solana.Programs.EscrowProgram Escrow = new(EscrowEventDecoderTests.ProgramId);
        private readonly List<(string Signature, ulong Slot, bool Failed, string[] Logs)> _txs = [];
        private readonly Dictionary<Bytes32, byte[]> _intentAccounts = [];

        public ulong NextNonce { get; private set; }

        public int ConfigReads { get; private set; }

        public int AccountBatchReads { get; private set; }

        public int FailAccountBatchReads { get; set; }

        /// <summary>An Open that landed but whose log line the node lost (its account exists, no event says so).</summary>
        public string AddLost(ulong nonce, string[]? logs = null)
        {
            Open(nonce);
            return Add([logs ?? [$"Program {Ours} invoke [1]", "Log truncated"]], false);
        }

        public HashSet<string> Hidden { get; } = [];

        public bool Down { get; set; }

        /// <summary>getSignaturesForAddress fails (the event path is broken) while account reads work.</summary>
        public bool SignaturesDown { get; set; }

        public int PageCalls { get; private set; }

        public string Add(string[] logs, bool failed = false) => Add([logs], failed);

        public string Add(string[] first, string[] second) => Add([first, second], false);

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            if (SignaturesDown)
            {
                throw new RpcTransportException("history index unavailable", HttpStatusCode.ServiceUnavailable) { Method = "getSignaturesForAddress" };
            }

            PageCalls++;
            var newestFirst = Enumerable.Reverse(_txs).ToList();
            var start = page.Before is null ? 0 : newestFirst.FindIndex(t => t.Signature == page.Before) + 1;
            var result = new List<SignatureInfo>();
            for (var i = start; i < newestFirst.Count && result.Count < page.Limit && newestFirst[i].Signature != page.Until; i++)
            {
                result.Add(new SignatureInfo(newestFirst[i].Signature, newestFirst[i].Slot, newestFirst[i].Failed, null));
            }

            return Task.FromResult<IReadOnlyList<SignatureInfo>>(result);
        }

        public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            var tx = _txs.Single(t => t.Signature == signature);
            return Task.FromResult(Hidden.Contains(signature) ? null : new TransactionDetails(signature, tx.Slot, null, tx.Failed ? new TransactionError("X", null, null, null, "\"X\"") : null, tx.Logs));
        }

        public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            Assert.Equal(Escrow.Config, address);
            Assert.Equal(Commitment.Finalized, commitment);
            ConfigReads++;
            var data = new byte[Solana.Programs.EscrowConfig.Size];
            data[0] = 1;
            data[1] = 2;
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(40), 900001);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(48), NextNonce);
            return Task.FromResult<AccountInfo?>(new AccountInfo(1, EscrowEventDecoderTests.ProgramId, data, false));
        }

        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken)
        {
            ThrowIfDown();
            Assert.Equal(Commitment.Finalized, commitment);
            Assert.InRange(addresses.Count, 1, 100);
            AccountBatchReads++;
            if (FailAccountBatchReads > 0)
            {
                FailAccountBatchReads--;
                throw new RpcTransportException("node restarting", HttpStatusCode.ServiceUnavailable) { Method = "getMultipleAccounts" };
            }

            return Task.FromResult<IReadOnlyList<AccountInfo?>>(
                [.. addresses.Select(a => _intentAccounts.TryGetValue(a, out var data) ? new AccountInfo(1, EscrowEventDecoderTests.ProgramId, data, false) : null)]);
        }

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) => throw new NotSupportedException();

        private void Open(ulong nonce)
        {
            // The intent account holds the event's fields at the same order: payload bytes 1..225 at offset 8.
            var data = new byte[Solana.Programs.EscrowIntent.Size];
            data[0] = 3;
            data[1] = 1;
            EscrowEventDecoderTests.IntentOpened(nonce).AsSpan(1, 224).CopyTo(data.AsSpan(8));
            _intentAccounts[Escrow.IntentAddress(Core.Intents.IntentId.Compute(new ChainId(900001), EscrowEventDecoderTests.ProgramId, nonce))] = data;
            NextNonce = Math.Max(NextNonce, nonce + 1);
        }

        private string Add(string[][] logGroups, bool failed)
        {
            if (!failed)
            {
                foreach (var line in logGroups.SelectMany(l => l).Where(l => l.StartsWith("Program data: ", StringComparison.Ordinal)))
                {
                    var payload = Convert.FromBase64String(line["Program data: ".Length..]);
                    if (payload.Length == 233 && payload[0] == 1)
                    {
                        Open(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(payload.AsSpan(33)));
                    }
                }
            }

            var signature = $"sig{_txs.Count}";
            _txs.Add((signature, (ulong)_txs.Count + 1, failed, [.. logGroups.SelectMany(l => l)]));
            return signature;
        }

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new RpcTransportException("node restarting", HttpStatusCode.ServiceUnavailable) { Method = "getSignaturesForAddress" };
            }
        }
    }

    private sealed class CollectingLogger : Microsoft.Extensions.Logging.ILogger<EscrowWatcher>
    {
        public List<(Microsoft.Extensions.Logging.EventId Id, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId, formatter(state, exception)));
    }
}
