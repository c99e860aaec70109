using DiscreteExec.Relayer.Node.Operators;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

public sealed class ProposerScheduleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1ul, 1)]
    [InlineData(2ul, 2)]
    [InlineData(3ul, 0)]
    [InlineData(4ul, 1)]
    public void ProposerOf_BeforeAnyTimeout_IsEpochModN(ulong epochId, int expected) =>
        Assert.Equal(expected, ProposerSchedule.ProposerOf(epochId, 3, TimeSpan.Zero, Timeout));

    [Fact]
    public void ProposerOf_EachFullTimeoutOnTheTimeProvider_HandsTheTurnToTheNextIndex()
    {
        var time = new FakeTimeProvider();
        var proposable = time.GetTimestamp();
        var turns = new List<int>();
        foreach (var advance in new[] { 0, 29, 1, 30, 30 })
        {
            time.Advance(TimeSpan.FromSeconds(advance));
            turns.Add(ProposerSchedule.ProposerOf(4, 3, time.GetElapsedTime(proposable), Timeout));
        }

        Assert.Equal([1, 1, 2, 0, 1], turns);
    }

    [Fact]
    public void MayPropose_NextIndexBeforeItsTurn_IsRefusedAfterItIsHeardAndTheFirstStaysHeard()
    {
        Assert.True(ProposerSchedule.MayPropose(4, 1, 3, TimeSpan.Zero, Timeout));
        Assert.False(ProposerSchedule.MayPropose(4, 2, 3, TimeSpan.FromSeconds(29), Timeout));
        Assert.True(ProposerSchedule.MayPropose(4, 2, 3, TimeSpan.FromSeconds(30), Timeout));
        Assert.True(ProposerSchedule.MayPropose(4, 1, 3, TimeSpan.FromSeconds(30), Timeout));
        Assert.False(ProposerSchedule.MayPropose(4, 0, 3, TimeSpan.FromSeconds(59), Timeout));
        Assert.False(ProposerSchedule.MayPropose(4, 3, 3, TimeSpan.FromHours(1), Timeout));
    }

    [Theory]
    [InlineData(1, 29, false)] // epoch 4's first proposer, inside its turn
    [InlineData(1, 30, true)] // one full timeout after its turn came
    [InlineData(2, 59, false)] // the next index: its turn came at 30 s
    [InlineData(2, 60, true)]
    [InlineData(0, 0, false)] // the last index, long before its turn
    [InlineData(0, 90, true)]
    public void TurnEnded_OneFullTimeoutAfterTheIndexsTurnCame_IsTrue(int proposerIndex, int waitedSeconds, bool expected) =>
        Assert.Equal(expected, ProposerSchedule.TurnEnded(4, proposerIndex, 3, TimeSpan.FromSeconds(waitedSeconds), Timeout));
}
