using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Runs the epoch loop for the node's lifetime. The loop returns when this replica lost (or never got) the lease: it is
/// then a standby, and tries again after the lease's time to live, so that it takes over when the active one is gone.
/// </summary>
internal sealed partial class EpochLoopService(EpochLoop loop, EpochLoopOptions options, TimeProvider time, ILogger<EpochLoopService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
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

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Node {NodeId}: not holding the lease (another replica is active); standing by, next try in {Delay}")]
    private static partial void LogStandby(ILogger logger, string nodeId, TimeSpan delay);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Critical, Message = "The epoch loop stopped on an integrity failure; no further epoch is proposed until an operator intervenes")]
    private static partial void LogIntegrity(ILogger logger, Exception exception);
}
