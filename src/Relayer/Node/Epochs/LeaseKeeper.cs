using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Epochs;

/// <summary>
/// Keeps the loop's lease alive while one step runs (a chunk round may last up to its deadline, far beyond the lease's
/// time to live): renews it every third of its time to live on the node's clock. When a renewal reports the lease
/// lost, <see cref="Lost"/> is set and <see cref="Token"/> cancelled, so the step stops before its next write or
/// chain call. A renewal that fails (the store unreachable) is logged; the next one tries again, and the fence still
/// refuses a stale write.
/// </summary>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    private readonly INodeLease _lease;
    private readonly LeaseToken _token;
    private readonly TimeSpan _timeToLive;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _step;
    private readonly CancellationToken _stepToken;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private Task _renewal = Task.CompletedTask;
    private volatile bool _lost;

    public LeaseKeeper(INodeLease lease, LeaseToken token, TimeSpan timeToLive, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(time);
        _lease = lease ?? throw new ArgumentNullException(nameof(lease));
        _token = token;
        _timeToLive = timeToLive;
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _step = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stepToken = _step.Token;
        var period = timeToLive / 3;
        _timer = time.CreateTimer(_ => Renew(), null, period, period);
    }

    /// <summary>The step's token: cancelled when the step's caller cancels or the lease is lost.</summary>
    public CancellationToken Token => _stepToken;

    /// <summary>A renewal reported the lease lost: nothing more may be written under it.</summary>
    public bool Lost => _lost;

    public async ValueTask DisposeAsync()
    {
        await _timer.DisposeAsync().ConfigureAwait(false);
        Task renewal;
        lock (_gate)
        {
            renewal = _renewal;
        }

        await renewal.ConfigureAwait(false);
        _step.Dispose();
    }

    private void Renew()
    {
        lock (_gate)
        {
            if (_renewal.IsCompleted && !_lost)
            {
                _renewal = RenewAsync(); // one renewal at a time: a slow one is not stacked up
            }
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            if (!await _lease.RenewAsync(_token, _timeToLive, _stepToken).ConfigureAwait(false))
            {
                _lost = true;
                LogLost(_logger, _token.NodeId, _token.Fence);
                await _step.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stepToken.IsCancellationRequested)
        {
            // the step ended or was cancelled: nothing to keep
        }
        catch (Exception ex)
        {
            LogRenewalFailed(_logger, ex, _token.NodeId);
        }
    }

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Node {NodeId} lost its lease (fence {Fence}) while a step ran; the step stops")]
    private static partial void LogLost(ILogger logger, string nodeId, long fence);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Node {NodeId} could not renew its lease while a step ran; it tries again")]
    private static partial void LogRenewalFailed(ILogger logger, Exception exception, string nodeId);
}
