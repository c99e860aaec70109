using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

public sealed class EpochRoundsTests
{
    private static readonly Bytes32 RootA = Bytes32.FromUInt64(0xA);
    private static readonly Bytes32 RootB = Bytes32.FromUInt64(0xB);
    private static readonly Bytes32 RootC = Bytes32.FromUInt64(0xC);
    private static readonly Bytes32 RootD = Bytes32.FromUInt64(0xD);

    [Fact]
    public void NoRootCanReachThreshold_ThreeWaySplitEveryOperatorSeen_True()
    {
        Assert.True(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1]), (RootC, [2])), operators: 3, threshold: 2));
    }

    [Fact]
    public void NoRootCanReachThreshold_OneOperatorNotYetHeardFrom_FalseWhileItCouldLiftARoot()
    {
        // op-2 has not been seen attesting: it could still sign A or B, either reaching 2 of 3.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1])), operators: 3, threshold: 2));
    }

    [Fact]
    public void NoRootCanReachThreshold_RootOneShortAndOneUnseen_False()
    {
        // 3-of-4: A holds two, op-3 unseen could give it the third.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0, 1]), (RootB, [2])), operators: 4, threshold: 3));
    }

    [Fact]
    public void NoRootCanReachThreshold_FourOfFiveTwoUnseenAndOneFalseSigner_False()
    {
        // 4-of-5 tolerates one false signer (4 >= floor(10/3)+1): op-0 may also sign A's rival B, and the two unseen
        // could sign B too: 1 + 2 + 1 = 4. Abandoning here would let B reach the threshold after the honest moved on.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1]), (RootC, [2])), operators: 5, threshold: 4));
    }

    [Fact]
    public void NoRootCanReachThreshold_ThreeOfFourOneUnseenAndOneFalseSigner_False()
    {
        // 3-of-4 tolerates one false signer: op-0 also signs B, op-3 (unseen) adopts B: B at 3.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1]), (RootC, [2])), operators: 4, threshold: 3));
    }

    [Fact]
    public void NoRootCanReachThreshold_ThreeOfFourEveryOperatorSeenOnItsOwnRoot_True()
    {
        // Each root holds one; a false signer adds at most one more: 1 + 0 + 1 < 3.
        Assert.True(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1]), (RootC, [2]), (RootD, [3])), operators: 4, threshold: 3));
    }

    [Fact]
    public void NoRootCanReachThreshold_ThreeOfFourTwoOnOneRootAllSeen_FalseForAFalseSignerCouldLiftIt()
    {
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0, 1]), (RootB, [2]), (RootC, [3])), operators: 4, threshold: 3));
    }

    [Fact]
    public void NoRootCanReachThreshold_FourOfFiveOneUnseenOneFalseSigner_True()
    {
        // 1 + 1 unseen + 1 false signer = 3 < 4 for every root, and 1 unseen + 1 false < 4 for a root not heard of.
        Assert.True(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1]), (RootC, [2]), (RootD, [3])), operators: 5, threshold: 4));
    }

    [Theory]
    [InlineData(3, 2, 0)]
    [InlineData(4, 3, 1)]
    [InlineData(5, 3, 0)]
    [InlineData(5, 4, 1)]
    [InlineData(7, 5, 2)]
    [InlineData(7, 4, 0)]
    public void FalseSignersTolerated_IsNMinusMOnlyFromTwoThirdsPlusOne(int operators, int threshold, int expected)
    {
        Assert.Equal(expected, EpochRounds.FalseSignersTolerated(operators, threshold));
    }

    [Fact]
    public void NoRootCanReachThreshold_EnoughUnseenForAnUnknownRoot_False()
    {
        // 2-of-5: every seen root holds one, but three operators unseen could bring a root not heard of yet to 2 (or A).
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [1])), operators: 5, threshold: 2));
    }

    [Fact]
    public void NoRootCanReachThreshold_RootAtTheThreshold_False()
    {
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0, 1]), (RootB, [2])), operators: 3, threshold: 2));
    }

    [Fact]
    public void NoRootCanReachThreshold_SignerSeenUnderTwoRoots_CountsForBothAndOnceAmongTheSeen()
    {
        // op-0 signed A and B (it equivocated): A and B each hold 2 of 3, so neither round can be called abandoned.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0, 1]), (RootB, [0, 2])), operators: 3, threshold: 2));
        // op-0 under A and B, op-1 under C: op-2 unseen; B would reach 2 with it.
        Assert.False(EpochRounds.NoRootCanReachThreshold(Seen((RootA, [0]), (RootB, [0]), (RootC, [1])), operators: 3, threshold: 2));
    }

    [Fact]
    public void RootOf_RoundZeroIsTheClearingsOwnAndEveryOtherRoundAnotherRoot()
    {
        Assert.Equal(RootA, EpochRounds.RootOf(RootA, 0));
        var roots = new[] { RootA, EpochRounds.RootOf(RootA, 1), EpochRounds.RootOf(RootA, 2), EpochRounds.RootOf(RootB, 1) };
        Assert.Equal(roots.Length, roots.Distinct().Count());
    }

    private static Dictionary<Bytes32, IReadOnlySet<int>> Seen(params (Bytes32 Root, int[] Signers)[] roots) =>
        roots.ToDictionary(r => r.Root, r => (IReadOnlySet<int>)r.Signers.ToHashSet());
}
