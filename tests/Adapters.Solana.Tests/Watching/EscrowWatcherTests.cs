using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Tests.Programs;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Core.Messages;
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
        var watcher = new EscrowWatcher(rpc, Options(pageSize: 2), new InMemoryWatcherCheckpointStore(), logger);

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
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryWatcherCheckpointStore());

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
        var store = new InMemoryWatcherCheckpointStore();
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
            var store = new FileWatcherCheckpointStore(Path.Combine(dir.FullName, "cp.json"));
            Assert.Null(await store.LoadAsync(default));
            await store.SaveAsync(new WatcherCheckpoint("sig1", 10, 3), default);
            await store.SaveAsync(new WatcherCheckpoint("sig2", 11, 4), default);
            Assert.Equal(new WatcherCheckpoint("sig2", 11, 4), await new FileWatcherCheckpointStore(Path.Combine(dir.FullName, "cp.json")).LoadAsync(default));
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
        var time = new FakeTimeProvider();
        var seen = new List<IntentObserved>();
        using var cts = new CancellationTokenSource();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryWatcherCheckpointStore(), timeProvider: time);
        var run = watcher.RunAsync(Collect(seen), cts.Token);
        time.Advance(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(seen);
        rpc.Down = false;
        for (var i = 0; i < 50 && seen.Count == 0; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Single(seen);
    }

    [Fact]
    public async Task RunAsync_SinkFailsOnce_KeepsPollingAndReportsOnTheNextPoll()
    {
        var rpc = new FakeRpc();
        rpc.Add(Opened(0));
        var time = new FakeTimeProvider();
        var seen = new List<IntentObserved>();
        var failures = 0;
        using var cts = new CancellationTokenSource();
        var watcher = new EscrowWatcher(rpc, Options(), new InMemoryWatcherCheckpointStore(), timeProvider: time);
        var run = watcher.RunAsync(
            (o, _) =>
            {
                if (failures++ == 0)
                {
                    throw new InvalidOperationException("bus unavailable");
                }

                seen.Add(o);
                return ValueTask.CompletedTask;
            },
            cts.Token);
        for (var i = 0; i < 50 && seen.Count == 0 && !run.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(10);
        }

        Assert.False(run.IsCompleted, $"the watcher loop ended: {run.Exception?.InnerException?.Message}");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Equal([0ul], seen.Select(o => o.Intent.DepositNonce));
    }

    private static string[] Opened(ulong nonce) =>
        [$"Program {Ours} invoke [1]", "Program data: " + Convert.ToBase64String(EscrowEventDecoderTests.IntentOpened(nonce)), $"Program {Ours} success"];

    private static Func<IntentObserved, CancellationToken, ValueTask> Collect(List<IntentObserved> into) => (o, _) =>
    {
        into.Add(o);
        return ValueTask.CompletedTask;
    };

    private static SolanaClusterOptions Options(int pageSize = 1000) => new()
    {
        RpcUrl = new Uri("http://127.0.0.1:1"),
        ChainId = 900001,
        ProgramId = Ours,
        Commitment = Commitment.Finalized,
        SignaturePageSize = pageSize,
        PollInterval = TimeSpan.FromSeconds(1),
    };

    /// <summary>An in-memory program history: transactions oldest first, each with logs.</summary>
    private sealed class FakeRpc : ISolanaRpc
    {
        private readonly List<(string Signature, ulong Slot, bool Failed, string[] Logs)> _txs = [];

        public HashSet<string> Hidden { get; } = [];

        public bool Down { get; set; }

        public int PageCalls { get; private set; }

        public string Add(string[] logs, bool failed = false) => Add([logs], failed);

        public string Add(string[] first, string[] second) => Add([first, second], false);

        public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken)
        {
            ThrowIfDown();
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

        public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<string> RequestAirdropAsync(Bytes32 address, ulong lamports, CancellationToken cancellationToken) => throw new NotSupportedException();

        private string Add(string[][] logGroups, bool failed)
        {
            var signature = $"sig{_txs.Count}";
            _txs.Add((signature, (ulong)_txs.Count + 1, failed, [.. logGroups.SelectMany(l => l)]));
            return signature;
        }

        private void ThrowIfDown()
        {
            if (Down)
            {
                throw new SolanaRpcException("getSignaturesForAddress", null, 503, "node restarting");
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
