using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Runs the epoch loop for the node's lifetime. A standby (the lease is held by another replica) stays inside
/// <see cref="EpochLoop.RunAsync"/>: every poll interval it tries to take the lease, and takes over once the active
/// replica's lease ran out. <see cref="EpochLoop.RunAsync"/> returns only when this replica lost a lease it held
/// (<see cref="Store.LeaseLostException"/>: another replica took it over, or it expired); this service then waits the lease's time to
/// live, so the new holder settles in, and runs the loop again, as a standby.
/// </summary>
internal sealed partial class EpochLoopService(EpochLoop loop, EpochLoopOptions options, TimeProvider time, ILogger<EpochLoopService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (time is SkewedClock skewed)
        {
            LogSkewed(logger, SkewedClock.VariableName, skewed.Skew);
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await loop.RunAsync(stoppingToken).ConfigureAwait(false);
                LogStandby(logger, options.NodeId, options.LeaseTimeToLive);
                await Task.Delay(options.LeaseTimeToLive, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The node is stopping; every step is persisted, the next start resumes where this one stopped.
        }
        catch (EpochIntegrityException ex)
        {
            // Never a second batch for an epoch: the loop stays stopped until an operator looks.
            LogIntegrity(logger, ex);
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Node {NodeId} lost the epoch loop's lease (another replica took it, or it expired); the loop starts again as a standby in {Delay}")]
    private static partial void LogStandby(ILogger logger, string nodeId, TimeSpan delay);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Fault injection is on ({Variable}): this node's wall clock is shifted by {Skew}. For the chaos harness only")]
    private static partial void LogSkewed(ILogger logger, string variable, TimeSpan skew);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Critical, Message = "The epoch loop stopped on an integrity failure; no further epoch is proposed until an operator intervenes")]
    private static partial void LogIntegrity(ILogger logger, Exception exception);
}
