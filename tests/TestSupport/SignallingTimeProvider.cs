using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.TestSupport;

/// <summary>A fake clock that tells the test each time the code under test starts waiting on it (a loop finished a pass).</summary>
public sealed class SignallingTimeProvider : FakeTimeProvider
{
    private readonly Channel<bool> _delays = Channel.CreateUnbounded<bool>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _delays.Writer.TryWrite(true);
        return timer;
    }

    /// <summary>Completes when the next timer is created (a generous bound turns a hang into a failure).</summary>
    public async Task NextDelayAsync() => await _delays.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
}
