using DiscreteExec.Relayer.Devnet.Traffic;

namespace DiscreteExec.Relayer.Tests.Devnet.Traffic;

/// <summary>The seeded mix: reproducible, both directions, every kind in about its weight, amounts in range.</summary>
public sealed class TrafficMixTests
{
    [Fact]
    public void Plan_SameSeedAndIndex_SamePlanWhateverCameBefore()
    {
        var weights = new TrafficMixWeights();
        var forwards = Enumerable.Range(0, 100).Select(i => TrafficMix.Plan(7, i, weights)).ToArray();
        var backwards = Enumerable.Range(0, 100).Reverse().Select(i => TrafficMix.Plan(7, i, weights)).Reverse().ToArray();

        Assert.Equal(forwards, backwards);
        Assert.NotEqual(forwards, Enumerable.Range(0, 100).Select(i => TrafficMix.Plan(8, i, weights)).ToArray());
    }

    [Fact]
    public void Plan_TenThousandIntents_KindsFollowTheWeightsAndDirectionsAlternate()
    {
        var weights = new TrafficMixWeights { Transfer = 70, DeadlineTooSoon = 10, LimitAboveOutput = 10, LimitAboveOutputExpiring = 10 };
        var plans = Enumerable.Range(0, 10_000).Select(i => TrafficMix.Plan(1, i, weights)).ToArray();

        var counts = plans.GroupBy(p => p.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts[TrafficIntentKind.Transfer], 6700, 7300);
        Assert.InRange(counts[TrafficIntentKind.DeadlineTooSoon], 800, 1200);
        Assert.InRange(counts[TrafficIntentKind.LimitAboveOutput], 800, 1200);
        Assert.InRange(counts[TrafficIntentKind.LimitAboveOutputExpiring], 800, 1200);
        Assert.Equal(5000, plans.Count(p => p.FromEvm));
        Assert.All(plans.Where((_, i) => i % 2 == 0), p => Assert.True(p.FromEvm));
        Assert.All(plans, p => Assert.InRange(p.InputAmount, 1_000_000ul, 100_000_000ul));
        Assert.All(plans, p => Assert.Equal(0ul, p.InputAmount % TrafficMix.CentUnits));
    }

    [Fact]
    public void Plan_OnlyOneKindWeighted_EveryPlanIsThatKind()
    {
        var weights = new TrafficMixWeights { Transfer = 0, DeadlineTooSoon = 0, LimitAboveOutput = 0, LimitAboveOutputExpiring = 1 };

        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal(TrafficIntentKind.LimitAboveOutputExpiring, TrafficMix.Plan(3, i, weights).Kind));
    }

    [Fact]
    public void Validate_AllWeightsZero_ThrowsNamingTheMix()
    {
        var options = new TrafficOptions { Mix = new TrafficMixWeights { Transfer = 0, DeadlineTooSoon = 0, LimitAboveOutput = 0, LimitAboveOutputExpiring = 0 } };

        Assert.Contains("Mix", Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    [Fact]
    public void Validate_RateOutOfRange_ThrowsNamingIt()
    {
        var options = new TrafficOptions { IntentsPerSecond = 0 };

        Assert.Contains(nameof(TrafficOptions.IntentsPerSecond), Assert.Throws<ArgumentException>(options.Validate).Message);
    }
}
