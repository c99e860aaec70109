using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Relayer.Checking;

namespace DiscreteExec.Relayer.Tests.Checking;

/// <summary>
/// The checker on hand-made histories of two escrows (EVM chain 1, Solana chain 2), each starting from one clean
/// history that passes with known counts; each test breaks it in one way and expects exactly that violation.
/// </summary>
public sealed class ChainCheckerTests
{
    private static readonly ChainId Evm = new(1);
    private static readonly ChainId Solana = new(2);
    private static readonly Bytes32 EvmToken = Bytes32.FromUInt64(0xE0);
    private static readonly Bytes32 SolanaMint = Bytes32.FromUInt64(0x50);
    private const ulong Grace = 3_600;
    private const ulong Now = 10_000;

    // Filled EVM -> Solana (released in epoch 1, paid in epoch 1), filled Solana -> EVM, refunded on EVM, open on Solana.
    private static readonly Intent FilledFromEvm = NewIntent(Evm, 1, Solana, input: 100, minOutput: 99, deadline: 9_000);
    private static readonly Intent FilledFromSolana = NewIntent(Solana, 1, Evm, input: 50, minOutput: 49, deadline: 9_000);
    private static readonly Intent RefundedOnEvm = NewIntent(Evm, 2, Solana, input: 30, minOutput: 30, deadline: 9_000);
    private static readonly Intent OpenOnSolana = NewIntent(Solana, 2, Evm, input: 20, minOutput: 20, deadline: 9_500);

    [Fact]
    public void Check_CleanHistory_PassesWithEveryFateCounted()
    {
        var report = ChainChecker.Check(Clean());

        Assert.Empty(report.Violations);
        Assert.True(report.Passed);
        Assert.Equal((4, 2, 1, 1), (report.Opened, report.Filled, report.Refunded, report.StillOpen));
        var evm = report.Chains.Single(c => c.ChainId == Evm);
        Assert.Equal((2, 1, 1, 0, 1), (evm.Opened, evm.Filled, evm.Refunded, evm.StillOpen, evm.Payouts));
    }

    [Fact]
    public void Check_SecondPayoutOfOneIntent_DoublePayout()
    {
        var history = Clean(solana: r => r.Add(Payout(FilledFromEvm, 99, epoch: 2, "sol:again")), solanaPoolLess: 99, solanaHeldLess: 99);

        AssertOnly(history, ChainRule.DoublePayout, FilledFromEvm.IntentId, Solana);
    }

    [Fact]
    public void Check_ReleaseWithoutPayoutAfterDrain_ReleasedNotPaid()
    {
        var history = Clean(solana: r => r.RemoveAll(x => x is PayoutRecord p && p.SourceIntentId == FilledFromEvm.IntentId), solanaPoolLess: -99, solanaHeldLess: -99);

        AssertOnly(history, ChainRule.ReleasedNotPaid, FilledFromEvm.IntentId, Solana);
    }

    [Fact]
    public void Check_ReleaseWithoutPayoutWhileItsEpochRuns_NotYetAViolation_ButCaughtOnceALaterEpochApplied()
    {
        var pending = Clean(solana: r => r.RemoveAll(x => x is PayoutRecord p && p.SourceIntentId == FilledFromEvm.IntentId), solanaPoolLess: -99, solanaHeldLess: -99) with { Drained = false };
        Assert.Empty(ChainChecker.Check(pending).Violations);

        var later = Clean(
            solana: r =>
            {
                r.RemoveAll(x => x is PayoutRecord p && p.SourceIntentId == FilledFromEvm.IntentId);
                r.Add(new LegAppliedRecord("sol:leg2", 2, 0, Root(2)));
            },
            solanaPoolLess: -99,
            solanaHeldLess: -99) with { Drained = false };
        AssertOnly(later, ChainRule.ReleasedNotPaid, FilledFromEvm.IntentId, Solana);
    }

    [Fact]
    public void Check_RefundAfterRelease_ClosedTwice()
    {
        // The refund gave the released deposit back out of the pool.
        var history = Clean(evm: r => r.Add(new IntentRefundedRecord("evm:refund", FilledFromEvm.IntentId, 0)), evmHeldLess: 100, evmPoolLess: 100);

        var violation = AssertOnly(history, ChainRule.ClosedTwice, FilledFromEvm.IntentId, Evm);
        Assert.Contains("refunded at evm:refund after released", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PayoutOfOpenIntent_PayoutWithoutRelease()
    {
        var history = Clean(evm: r => r.Add(Payout(OpenOnSolana, 20, epoch: 1, "evm:early")), evmPoolLess: 20, evmHeldLess: 20);

        AssertOnly(history, ChainRule.PayoutWithoutRelease, OpenOnSolana.IntentId, Evm);
    }

    [Fact]
    public void Check_PayoutOfRefundedIntent_PayoutOfRefundedIntent()
    {
        var history = Clean(solana: r => r.Add(Payout(RefundedOnEvm, 30, epoch: 1, "sol:late")), solanaPoolLess: 30, solanaHeldLess: 30);

        AssertOnly(history, ChainRule.PayoutOfRefundedIntent, RefundedOnEvm.IntentId, Solana);
    }

    [Fact]
    public void Check_PayoutBelowMinimum_PayoutMismatch()
    {
        var history = Clean(
            solana: r =>
            {
                r.RemoveAll(x => x is PayoutRecord p && p.SourceIntentId == FilledFromEvm.IntentId);
                r.Add(Payout(FilledFromEvm, 98, epoch: 1, "sol:short"));
            },
            solanaPoolLess: -1,
            solanaHeldLess: -1);

        var violation = AssertOnly(history, ChainRule.PayoutMismatch, FilledFromEvm.IntentId, Solana);
        Assert.Contains("less than the minimum 99", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PayoutOnOriginChain_PayoutOnWrongChain()
    {
        var history = Clean(
            solana: r => r.RemoveAll(x => x is PayoutRecord p && p.SourceIntentId == FilledFromEvm.IntentId),
            evm: r => r.Add(Payout(FilledFromEvm, 99, epoch: 1, "evm:wrong")),
            solanaPoolLess: -99,
            solanaHeldLess: -99,
            evmPoolLess: 99,
            evmHeldLess: 99);

        AssertOnly(history, ChainRule.PayoutOnWrongChain, FilledFromEvm.IntentId, Evm);
    }

    [Fact]
    public void Check_EscrowHoldsLessThanOwed_BalanceMismatch()
    {
        var history = Clean(evmHeldLess: 1);

        var violation = AssertOnly(history, ChainRule.BalanceMismatch, intentId: null, Evm);
        Assert.Contains($"token {EvmToken}", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_OpenPastDeadlinePlusGraceAfterDrain_OpenPastDeadline()
    {
        var history = Clean();
        history = history with { Escrows = [history.Escrows[0], history.Escrows[1] with { ChainTime = 9_500 + Grace + 1 }] };

        AssertOnly(history, ChainRule.OpenPastDeadline, OpenOnSolana.IntentId, Solana);

        var atTheLimit = Clean();
        atTheLimit = atTheLimit with { Escrows = [atTheLimit.Escrows[0], atTheLimit.Escrows[1] with { ChainTime = 9_500 + Grace }] };
        Assert.Empty(ChainChecker.Check(atTheLimit).Violations);
    }

    [Fact]
    public void Check_ChunkAppliedTwice_ChunkAppliedTwice()
    {
        var history = Clean(evm: r => r.Add(new LegAppliedRecord("evm:replay", 1, 0, Root(1))));

        AssertOnly(history, ChainRule.ChunkAppliedTwice, intentId: null, Evm);
    }

    [Fact]
    public void Check_OneEpochsChunksCarryingTwoRoots_EpochRootsDiffer()
    {
        // Chunk 1 of epoch 1 on Solana applied under another batch root than the epoch's other three chunks: two
        // batches of one epoch each reached the signer threshold.
        var history = Clean(solana: r =>
        {
            r.RemoveAll(x => x is LegAppliedRecord { Chunk: 1 });
            r.Add(new LegAppliedRecord("sol:other-root", 1, 1, Bytes32.FromUInt64(0xBAD)));
        });

        var violation = AssertOnly(history, ChainRule.EpochRootsDiffer, intentId: null, Solana);
        Assert.Contains("sol:other-root", violation.Detail, StringComparison.Ordinal);
        Assert.Contains(Root(1).ToString(), violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_FactLostToATruncatedLogAndNotRecovered_TruncatedLog()
    {
        var history = Clean(solana: r => r.Add(new TruncatedLogRecord("slot 9 tx abc (log truncated) instruction 1", "Payout of source intent x: no paid marker")));

        var violation = AssertOnly(history, ChainRule.TruncatedLog, null, Solana);
        Assert.Contains("tx abc", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteTo_Report_PrintsTableSummaryAndViolations()
    {
        using var writer = new StringWriter();
        ChainChecker.Check(Clean(evmHeldLess: 1)).WriteTo(writer);

        var text = writer.ToString();
        Assert.Contains("chain check: 4 opened, 2 filled, 1 refunded, 1 still open; 1 violations", text, StringComparison.Ordinal);
        Assert.Contains("  VIOLATION BalanceMismatch: chain 1:", text, StringComparison.Ordinal);
        Assert.Matches(@"total\s+4\s+2\s+1\s+1\s+2", text);
    }

    private static ChainViolation AssertOnly(ChainHistory history, ChainRule rule, Bytes32? intentId, ChainId chain)
    {
        var violation = Assert.Single(ChainChecker.Check(history).Violations);
        Assert.Equal((rule, intentId, chain), (violation.Rule, violation.IntentId, violation.ChainId));
        return violation;
    }

    private static Bytes32 Root(ulong epochId) => Bytes32.FromUInt64(0x7000 + epochId);

    /// <summary>
    /// The clean history, with edits to each escrow's records and its holdings moved by the tokens the edits move
    /// (a positive "less" means the escrow holds or pools that much less than in the clean history).
    /// </summary>
    private static ChainHistory Clean(
        Action<List<EscrowRecord>>? evm = null,
        Action<List<EscrowRecord>>? solana = null,
        long evmHeldLess = 0,
        long evmPoolLess = 0,
        long solanaHeldLess = 0,
        long solanaPoolLess = 0)
    {
        List<EscrowRecord> evmRecords =
        [
            new IntentOpenedRecord("evm:1", FilledFromEvm),
            new IntentOpenedRecord("evm:2", RefundedOnEvm),
            new IntentReleasedRecord("evm:3", FilledFromEvm.IntentId, 1),
            new IntentRefundedRecord("evm:4", RefundedOnEvm.IntentId, 1),
            new ClaimCreatedRecord("evm:4", EvmToken, 30),
            new ClaimCollectedRecord("evm:8", EvmToken, 10),
            new LegAppliedRecord("evm:5", 1, 0, Root(1)),
            Payout(FilledFromSolana, 49, epoch: 1, "evm:6"),
            new LegAppliedRecord("evm:7", 1, 1, Root(1)),
        ];
        List<EscrowRecord> solanaRecords =
        [
            new IntentOpenedRecord("sol:1", FilledFromSolana),
            new IntentOpenedRecord("sol:2", OpenOnSolana),
            new IntentReleasedRecord("sol:3", FilledFromSolana.IntentId, 1),
            new LegAppliedRecord("sol:4", 1, 0, Root(1)),
            Payout(FilledFromEvm, 99, epoch: 1, "sol:5"),
            new LegAppliedRecord("sol:6", 1, 1, Root(1)),
        ];
        evm?.Invoke(evmRecords);
        solana?.Invoke(solanaRecords);

        // EVM: pool 1,000 + 100 released - 49 paid; the refund became a claim of 30, 10 of it collected: held = pool + 20.
        // Solana: pool 1,000 + 50 released - 99 paid; held = 20 open + pool.
        const long evmPool = 1_000 + 100 - 49;
        const long solanaPool = 1_000 + 50 - 99;
        return new ChainHistory(
            [
                new EscrowHistory(Evm, ChainKind.Evm, Now, Grace, evmRecords, [Holdings(EvmToken, evmPool + 20 - evmHeldLess, evmPool - evmPoolLess)]),
                new EscrowHistory(Solana, ChainKind.Solana, Now, Grace, solanaRecords, [Holdings(SolanaMint, 20 + solanaPool - solanaHeldLess, solanaPool - solanaPoolLess)]),
            ],
            Drained: true);
    }

    private static TokenHoldings Holdings(Bytes32 token, long held, long pool) => new(token, (ulong)held, (ulong)pool);

    private static PayoutRecord Payout(Intent intent, ulong amount, ulong epoch, string location) =>
        new(location, intent.IntentId, intent.OutputToken, intent.Recipient, amount, epoch);

    private static Intent NewIntent(ChainId origin, ulong nonce, ChainId destination, ulong input, ulong minOutput, ulong deadline) => new()
    {
        IntentId = IntentId.Compute(origin, Bytes32.FromUInt64(origin.Value), nonce),
        OriginChainId = origin,
        DepositNonce = nonce,
        Depositor = Bytes32.FromUInt64(0xD0 + nonce),
        InputToken = origin == Evm ? EvmToken : SolanaMint,
        InputAmount = input,
        DestinationChainId = destination,
        OutputToken = destination == Evm ? EvmToken : SolanaMint,
        MinOutputAmount = minOutput,
        Recipient = Bytes32.FromUInt64(0xA0 + nonce),
        FillDeadline = deadline,
    };
}
