using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.FateCheck;
using DiscreteExec.Relayer.Devnet.Traffic;

namespace DiscreteExec.Relayer.Tests.Devnet.FateCheck;

/// <summary>The fate check over in-memory escrows: the clean case passes, and every kind of violation is named.</summary>
public sealed class IntentFateCheckTests
{
    private static readonly ChainId Evm = new(31337), Solana = new(900001);
    private static readonly Bytes32 EvmToken = Bytes32.FromUInt64(0xE), SolanaMint = Bytes32.FromUInt64(0x5);

    private readonly InMemoryEscrow _evm = new(Evm, ChainKind.Evm);
    private readonly InMemoryEscrow _solana = new(Solana, ChainKind.Solana);
    private readonly InMemoryBalances _balances = new();

    [Fact]
    public async Task RunAsync_EveryFateConsistent_PassesWithCounts()
    {
        var filled = Intent(1, ExpectedFate.Filled);
        var refunded = Intent(2, ExpectedFate.Refunded, fromEvm: false);
        var open = Intent(3, ExpectedFate.Deferred, deadline: 1234);
        Fill(filled);
        _solana.States[refunded.IntentId] = EscrowIntentState.Refunded;
        _evm.States[open.IntentId] = EscrowIntentState.Open;

        var result = await CheckAsync([filled, refunded, open], new Dictionary<Bytes32, ReportedFate> { [filled.IntentId] = ReportedFate.Filled, [refunded.IntentId] = ReportedFate.Refunded });

        Assert.True(result.Passed);
        Assert.Equal("3 intents: 1 filled, 1 refunded, 1 still open; 0 lost, 0 double-paid", result.Summary);
        var stillOpen = Assert.Single(result.StillOpen);
        Assert.Equal((open.IntentId, 1234ul), (stillOpen.IntentId, stillOpen.Deadline));
    }

    [Fact]
    public async Task RunAsync_OpenIntentTheNodeDropped_CountedAsDroppedNotStillOpen()
    {
        var open = Intent(1, ExpectedFate.Deferred);
        var dropped = Intent(2, ExpectedFate.Filled, deadline: 777);
        _evm.States[open.IntentId] = EscrowIntentState.Open;
        _evm.States[dropped.IntentId] = EscrowIntentState.Open;

        var result = await CheckAsync([open, dropped], new Dictionary<Bytes32, ReportedFate> { [dropped.IntentId] = ReportedFate.Dropped });

        Assert.Equal("2 intents: 0 filled, 0 refunded, 1 still open, 1 dropped by the node; 0 lost, 0 double-paid", result.Summary);
        Assert.Equal(open.IntentId, Assert.Single(result.StillOpen).IntentId);
        Assert.Equal((dropped.IntentId, 777ul), (Assert.Single(result.Dropped).IntentId, result.Dropped[0].Deadline));
        using var log = new StringWriter();
        result.WriteTo(log);
        Assert.Contains($"dropped {dropped.IntentId} on chain {Evm}", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_UnknownAtOrigin_ReportsMissingAsLost()
    {
        var intent = Intent(1, ExpectedFate.Filled);

        var result = await CheckAsync([intent]);

        AssertOnly(result, intent, Evm, FateViolationKind.MissingAtOrigin);
        Assert.Equal(1, result.Lost);
    }

    [Fact]
    public async Task RunAsync_ReleasedButNotPaid_ReportsLossOnDestination()
    {
        var intent = Intent(1, ExpectedFate.Filled);
        _evm.States[intent.IntentId] = EscrowIntentState.Released;

        var result = await CheckAsync([intent]);

        AssertOnly(result, intent, Solana, FateViolationKind.ReleasedNotPaid);
        Assert.Equal((1, 0), (result.Lost, result.DoublePaid));
    }

    [Fact]
    public async Task RunAsync_PaidAndRefunded_ReportsDoublePayment()
    {
        var intent = Intent(1, ExpectedFate.Any);
        _evm.States[intent.IntentId] = EscrowIntentState.Refunded;
        _solana.Paid.Add(intent.IntentId);
        _balances.Set(Solana, SolanaMint, intent.Recipient, intent.MinOutput);

        var result = await CheckAsync([intent]);

        AssertOnly(result, intent, Solana, FateViolationKind.PaidAndRefunded);
        Assert.Equal("1 intents: 0 filled, 0 refunded, 0 still open; 0 lost, 1 double-paid", result.Summary);
    }

    [Fact]
    public async Task RunAsync_PaidWhileOpen_ReportsDoublePayment()
    {
        var intent = Intent(1, ExpectedFate.Any, fromEvm: false);
        _solana.States[intent.IntentId] = EscrowIntentState.Open;
        _evm.Paid.Add(intent.IntentId);
        _balances.Set(Evm, EvmToken, intent.Recipient, intent.MinOutput);

        var result = await CheckAsync([intent]);

        AssertOnly(result, intent, Evm, FateViolationKind.PaidWhileOpen);
        Assert.Equal(1, result.DoublePaid);
    }

    [Fact]
    public async Task RunAsync_RecipientGainedLessThanItsPaidMinimums_ReportsUnderpaid()
    {
        // Two paid intents to one recipient: each alone is covered, their sum is not.
        var first = Intent(1, ExpectedFate.Filled);
        var second = Intent(2, ExpectedFate.Filled) with { Recipient = first.Recipient };
        Fill(first);
        _evm.States[second.IntentId] = EscrowIntentState.Released;
        _solana.Paid.Add(second.IntentId);
        _balances.Set(Solana, SolanaMint, first.Recipient, first.MinOutput + second.MinOutput - 1);

        var result = await CheckAsync([first, second]);

        var violation = Assert.Single(result.Violations);
        Assert.Equal((FateViolationKind.RecipientUnderpaid, Solana), (violation.Kind, violation.ChainId));
        Assert.Contains(first.IntentId.ToString(), violation.Detail);
        Assert.Contains(second.IntentId.ToString(), violation.Detail);
    }

    [Fact]
    public async Task RunAsync_BalanceBeforeGiven_CountsOnlyTheGain()
    {
        var intent = Intent(1, ExpectedFate.Filled);
        Fill(intent);
        _balances.Set(Solana, SolanaMint, intent.Recipient, intent.MinOutput + 5);
        var before = new Dictionary<(ChainId, Bytes32, Bytes32), UInt256> { [(Solana, SolanaMint, intent.Recipient)] = 10 };

        var result = await IntentFateCheck.RunAsync([intent], [_evm, _solana], _balances, null, before, default);

        AssertOnly(result, intent, Solana, FateViolationKind.RecipientUnderpaid);
    }

    [Fact]
    public async Task RunAsync_ReportedFilledButUnpaid_ReportsForgedClaim()
    {
        var intent = Intent(1, ExpectedFate.Deferred);
        _evm.States[intent.IntentId] = EscrowIntentState.Open;

        var result = await CheckAsync([intent], new Dictionary<Bytes32, ReportedFate> { [intent.IntentId] = ReportedFate.Filled });

        AssertOnly(result, intent, Solana, FateViolationKind.ReportedFilledNotOnChain);
        Assert.Single(result.StillOpen);
    }

    [Fact]
    public async Task RunAsync_ReportedRefundedButReleased_ReportsForgedClaim()
    {
        var intent = Intent(1, ExpectedFate.Filled);
        Fill(intent);

        var result = await CheckAsync([intent], new Dictionary<Bytes32, ReportedFate> { [intent.IntentId] = ReportedFate.Refunded });

        AssertOnly(result, intent, Evm, FateViolationKind.ReportedRefundedNotOnChain);
    }

    [Theory]
    [InlineData(nameof(ExpectedFate.Filled), EscrowIntentState.Refunded, false)]
    [InlineData(nameof(ExpectedFate.Refunded), EscrowIntentState.Released, true)]
    [InlineData(nameof(ExpectedFate.Deferred), EscrowIntentState.Released, true)]
    public async Task RunAsync_FateItsParametersRuleOut_ReportsUnexpected(string expected, EscrowIntentState state, bool paid)
    {
        var intent = Intent(1, Enum.Parse<ExpectedFate>(expected));
        _evm.States[intent.IntentId] = state;
        if (paid)
        {
            _solana.Paid.Add(intent.IntentId);
            _balances.Set(Solana, SolanaMint, intent.Recipient, intent.MinOutput);
        }

        var result = await CheckAsync([intent]);

        AssertOnly(result, intent, Evm, FateViolationKind.UnexpectedFate);
    }

    [Fact]
    public async Task RunAsync_NoEscrowForAChain_ThrowsNamingIt()
    {
        var intent = Intent(1, ExpectedFate.Filled);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => IntentFateCheck.RunAsync([intent], [_evm], _balances, null, null, default));

        Assert.Contains(Solana.ToString(), error.Message);
    }

    [Fact]
    public async Task WriteTo_Violations_PrintsSummaryThenEachViolation()
    {
        var intent = Intent(1, ExpectedFate.Filled);
        _evm.States[intent.IntentId] = EscrowIntentState.Released;
        var result = await CheckAsync([intent]);
        using var log = new StringWriter();

        result.WriteTo(log);

        var lines = log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("1 intents: 0 filled, 0 refunded, 0 still open; 1 lost, 0 double-paid", lines[0]);
        Assert.Equal($"  VIOLATION intent {intent.IntentId} on chain {Solana}: ReleasedNotPaid: released at its origin, never paid here", lines[1]);
    }

    private static void AssertOnly(FateCheckResult result, OpenedIntent intent, ChainId chain, FateViolationKind kind)
    {
        Assert.False(result.Passed);
        var violation = Assert.Single(result.Violations);
        Assert.Equal((intent.IntentId, chain, kind), (violation.IntentId, violation.ChainId, violation.Kind));
    }

    private Task<FateCheckResult> CheckAsync(IReadOnlyList<OpenedIntent> intents, IReadOnlyDictionary<Bytes32, ReportedFate>? reported = null) =>
        IntentFateCheck.RunAsync(intents, [_evm, _solana], _balances, reported, null, default);

    /// <summary>Released at its origin, paid at its destination, and its recipient got exactly its minimum.</summary>
    private void Fill(OpenedIntent intent)
    {
        (intent.Origin == Evm ? _evm : _solana).States[intent.IntentId] = EscrowIntentState.Released;
        (intent.Destination == Evm ? _evm : _solana).Paid.Add(intent.IntentId);
        _balances.Set(intent.Destination, intent.OutputToken, intent.Recipient, intent.MinOutput);
    }

    private static OpenedIntent Intent(ulong id, ExpectedFate expected, bool fromEvm = true, ulong deadline = 5000) => new(
        Bytes32.FromUInt64(1000 + id),
        fromEvm ? Evm : Solana,
        fromEvm ? Solana : Evm,
        Bytes32.FromUInt64(2000 + id),
        Bytes32.FromUInt64(3000 + id),
        fromEvm ? EvmToken : SolanaMint,
        1_000_000,
        fromEvm ? SolanaMint : EvmToken,
        995_000,
        deadline,
        expected);

    private sealed class InMemoryEscrow(ChainId chainId, ChainKind kind) : IEscrowState
    {
        public Dictionary<Bytes32, EscrowIntentState> States { get; } = [];

        public HashSet<Bytes32> Paid { get; } = [];

        public ChainId ChainId => chainId;

        public ChainKind Kind => kind;

        public Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken) => Task.FromResult(UInt256.Zero);

        public Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
            Task.FromResult(States.GetValueOrDefault(intentId, EscrowIntentState.Unknown));

        public Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) => Task.FromResult(Paid.Contains(intentId));

        public Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken) => Task.FromResult(0UL);
    }

    private sealed class InMemoryBalances : ITokenBalances
    {
        private readonly Dictionary<(ChainId, Bytes32, Bytes32), UInt256> _balances = [];

        public void Set(ChainId chain, Bytes32 token, Bytes32 account, UInt256 amount) => _balances[(chain, token, account)] = amount;

        public Task<UInt256> BalanceAsync(ChainId chainId, Bytes32 token, Bytes32 account, CancellationToken cancellationToken) =>
            Task.FromResult(_balances.GetValueOrDefault((chainId, token, account), UInt256.Zero));
    }
}
