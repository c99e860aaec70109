using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

public sealed class ManifestVerifierTests
{
    private static readonly ChainId ChainA = new(31337);
    private static readonly ChainId ChainB = new(900001);
    private static readonly Bytes32 TokenA = Bytes32.FromUInt64(0xA);
    private static readonly Bytes32 TokenB = Bytes32.FromUInt64(0xB);
    private static readonly UInt256 One = 1_000_000_000_000_000_000UL;
    private static readonly Asset[] Assets = [new Asset("USDC", One, [new AssetToken(ChainA, TokenA, 6), new AssetToken(ChainB, TokenB, 6)])];
    private static readonly DateTimeOffset ObservedAt = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly (ChainId, ChainCursor)[] Cursors = [(ChainA, new ChainCursor(10, "0xaa")), (ChainB, new ChainCursor(20, "slot-20"))];

    private readonly ManifestVerifier _verifier = new("op-b", Assets, priceToleranceBps: 50, new ManifestTerms(5, 10, 600, TimeSpan.FromSeconds(60)));
    private readonly List<StoredIntent> _book = [Stored(1, 3), Stored(2, 5), Stored(3, 12)]; // the third is above the cursor (not final there)
    private readonly List<PoolBalance> _pools = [new(ChainA, TokenA, 5_000_000_000), new(ChainB, TokenB, 5_000_000_000)];
    private readonly List<ReferencePrice> _prices = [new("USDC", One, "static", ObservedAt)];

    private static StoredIntent Stored(ulong nonce, ulong block) => new(
        new IntentObserved
        {
            Intent = new Intent
            {
                IntentId = Bytes32.FromUInt64(0x1000 + nonce),
                OriginChainId = ChainA,
                DepositNonce = nonce,
                Depositor = Bytes32.FromUInt64(0xD0 + nonce),
                InputToken = TokenA,
                InputAmount = 1_000_000,
                DestinationChainId = ChainB,
                OutputToken = TokenB,
                MinOutputAmount = 990_000,
                Recipient = Bytes32.FromUInt64(0xE0 + nonce),
                FillDeadline = (ulong)ObservedAt.ToUnixTimeSeconds() + 7_200,
            },
            Position = new ChainPosition { BlockNumber = block, BlockHash = "0x01", TransactionId = "0x02", LogIndex = 0 },
        },
        IntentStage.Open, null, 0, (long)nonce);

    // The honest proposer's manifest of epoch 7: the two intents final at the cursors, its own pools and prices.
    private EpochProposed Honest(Func<EpochInput, EpochInput>? lie = null)
    {
        var input = new EpochInput
        {
            EpochId = 7,
            ClosesAt = (ulong)ObservedAt.ToUnixTimeSeconds(),
            SettlementMarginSeconds = 600,
            FeeBps = 5,
            SpreadBps = 10,
            Assets = Assets,
            Pools = _pools,
            Intents = [.. _book.Take(2).Select(s => s.Observed.Intent)],
        };
        input = lie?.Invoke(input) ?? input;
        return EpochProposals.Create(1, "op-a", input, EpochClearing.Clear(input), _prices, Cursors);
    }

    private VerifierView View(IEnumerable<StoredIntent>? listed = null, long clockOffsetSeconds = 0, ulong? previousClosesAt = null) => new(
        (listed ?? _book).ToDictionary(s => s.Observed.Intent.IntentId), _book, _pools, _prices,
        (ulong)(ObservedAt.ToUnixTimeSeconds() + clockOffsetSeconds), previousClosesAt);

    [Fact]
    public void Verify_HonestManifest_AcceptsAndRecomputesTheSameRoot()
    {
        var manifest = Honest();

        var verdict = _verifier.Verify(manifest, View());

        Assert.True(verdict.Accepted);
        Assert.Equal(manifest.BatchRoot, verdict.Batch!.BatchRoot);
        Assert.Equal(2, verdict.Input!.Intents.Count);
    }

    [Fact]
    public void Verify_IntentThatDoesNotExist_RefusesNamingTheIntent()
    {
        var ghost = Stored(99, 4).Observed.Intent;
        var manifest = Honest(input => input with { Intents = [.. input.Intents, ghost] });

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.UnknownIntent, ghost.IntentId.ToString(), "op-b", 7ul), (refusal.Fault, refusal.Subject, refusal.VerifierId, refusal.EpochId));
        Assert.Equal(manifest.ManifestHash, refusal.ManifestHash);
    }

    [Fact]
    public void Verify_FinalIntentDropped_RefusesItAsMissing()
    {
        var manifest = Honest(input => input with { Intents = [input.Intents[0]] });

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.MissingIntent, _book[1].Observed.Intent.IntentId.ToString(), "5"), (refusal.Fault, refusal.Subject, refusal.Observed));
    }

    [Fact]
    public void Verify_IntentAboveTheCursor_RefusesItAsNotFinal()
    {
        var manifest = Honest(input => input with { Intents = [.. input.Intents, _book[2].Observed.Intent] });

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.IntentNotFinal, "10", "12"), (refusal.Fault, refusal.Proposed, refusal.Observed));
    }

    [Fact]
    public void Verify_InflatedPool_RefusesWithBothBalances()
    {
        var manifest = Honest(input => input with { Pools = [input.Pools[0] with { Balance = 9_000_000_000 }, input.Pools[1]] });

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.PoolMismatch, $"{ChainA}/{TokenA}", "9000000000", "5000000000"), (refusal.Fault, refusal.Subject, refusal.Proposed, refusal.Observed));
    }

    [Theory]
    [InlineData(50, true)]
    [InlineData(51, false)]
    public void Verify_PriceMovedByBasisPoints_AcceptedUpToTheTolerance(int bps, bool accepted)
    {
        var moved = One + (One / 10_000 * (ulong)bps);
        _prices[0] = _prices[0] with { Price = moved };
        var manifest = Honest(input => input with { Assets = [Assets[0] with { ReferencePrice = moved }] });
        _prices[0] = _prices[0] with { Price = One };

        var verdict = _verifier.Verify(manifest, View());

        Assert.Equal(accepted, verdict.Accepted);
        Assert.True(accepted || verdict.Refusal is { Fault: ManifestFault.PriceOutsideTolerance, Subject: "USDC" });
    }

    [Fact]
    public void Verify_RootThatItsInputDoesNotGive_RefusesTheRoot()
    {
        var manifest = Honest() with { BatchRoot = Bytes32.FromUInt64(42) };

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.BatchRootMismatch, Bytes32.FromUInt64(42).ToString()), (refusal.Fault, refusal.Proposed));
    }

    [Fact]
    public void Verify_ManifestHashOfAnotherCloseTime_RefusesTheHash()
    {
        var honest = Honest();
        var manifest = honest with { ClosesAt = honest.ClosesAt + 1 };

        Assert.Equal(ManifestFault.ManifestHashMismatch, _verifier.Verify(manifest, View()).Refusal!.Fault);
    }

    [Fact]
    public void Verify_RepeatedChainInCursors_RefusesAsMalformedInsteadOfThrowing()
    {
        var honest = Honest();
        var manifest = honest with { Cursors = [.. honest.Cursors, honest.Cursors[0] with { Height = 11 }] };

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.MalformedManifest, ChainA.ToString(), "a repeated cursor"), (refusal.Fault, refusal.Subject, refusal.Proposed));
    }

    [Fact]
    public void Verify_RepeatedAssetInPrices_RefusesAsMalformedInsteadOfThrowing()
    {
        var honest = Honest();
        var manifest = honest with { Prices = [.. honest.Prices, honest.Prices[0]] };

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.MalformedManifest, "USDC", "a repeated price"), (refusal.Fault, refusal.Subject, refusal.Proposed));
    }

    [Fact]
    public void Verify_NullPriceList_RefusesAsMalformedInsteadOfThrowing()
    {
        var manifest = Honest() with { Prices = null! };

        Assert.Equal(ManifestFault.MalformedManifest, _verifier.Verify(manifest, View()).Refusal!.Fault);
    }

    [Fact]
    public void Verify_ObservedAtBeyondTheCalendar_RefusesInsteadOfThrowing()
    {
        var honest = Honest();
        var manifest = honest with { Prices = [honest.Prices[0] with { ObservedAtUnixMilliseconds = long.MaxValue }] };

        Assert.Equal(ManifestFault.MalformedManifest, _verifier.Verify(manifest, View()).Refusal!.Fault);
    }

    [Theory]
    [InlineData(6, 10, 600, "feeBps")]
    [InlineData(5, 11, 600, "spreadBps")]
    [InlineData(5, 10, 601, "settlementMarginSeconds")]
    public void Verify_TermsOtherThanItsOwn_RefusesNamingTheTerm(uint feeBps, uint spreadBps, ulong marginSeconds, string term)
    {
        var manifest = Honest(input => input with { FeeBps = feeBps, SpreadBps = spreadBps, SettlementMarginSeconds = marginSeconds });

        var refusal = _verifier.Verify(manifest, View()).Refusal!;

        Assert.Equal((ManifestFault.TermsMismatch, term), (refusal.Fault, refusal.Subject));
    }

    [Theory]
    [InlineData(60, true)]
    [InlineData(-60, true)]
    [InlineData(61, false)]
    [InlineData(-61, false)]
    public void Verify_ClosesAtAwayFromItsClock_AcceptedUpToTheTolerance(long clockOffsetSeconds, bool accepted)
    {
        var verdict = _verifier.Verify(Honest(), View(clockOffsetSeconds: clockOffsetSeconds));

        Assert.Equal(accepted, verdict.Accepted);
        Assert.True(accepted || verdict.Refusal is { Fault: ManifestFault.ClosesAtOutOfRange, Subject: "closesAt" });
    }

    [Fact]
    public void Verify_ClosesAtNotAfterThePreviousEpochs_Refuses()
    {
        var closesAt = (ulong)ObservedAt.ToUnixTimeSeconds();

        Assert.True(_verifier.Verify(Honest(), View(previousClosesAt: closesAt - 1)).Accepted);
        Assert.Equal(ManifestFault.ClosesAtOutOfRange, _verifier.Verify(Honest(), View(previousClosesAt: closesAt)).Refusal!.Fault);
    }
}
