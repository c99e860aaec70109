using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Runs every chain's watcher into the node's intake sink (the bus), each on its own: a watcher that stops with an
/// error (a malformed event, an escrow that is not one) is logged with its chain and restarted after a backoff
/// (<see cref="WatcherRestartBackoff"/>: doubling, reset after a healthy run), while
/// the other chains go on. A watcher starts once its chain answered the start-up check.
/// </summary>
internal sealed partial class ChainWatcherService(
    NodeChains chains, IChainEventSink sink, LatestChainCursors cursors, ChainReadiness readiness, TimeProvider time, ILogger<ChainWatcherService> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(chains.All.Select(chain => WatchAsync(chain, stoppingToken)));

    private async Task WatchAsync(NodeChainAdapter chain, CancellationToken cancellationToken)
    {
        var backoff = new WatcherRestartBackoff(time);
        var recording = new CursorRecordingSink(sink, cursors);
        try
        {
            await readiness.WhenReadyAsync(chain.Name, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                TimeSpan delay;
                try
                {
                    LogWatching(logger, chain.Name, chain.ChainId);
                    backoff.RunStarted();
                    await chain.Adapter.Watcher.RunAsync(recording, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    delay = backoff.RunFailed();
                    LogWatcherFailed(logger, ex, chain.Name, chain.ChainId, delay);
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The node is stopping.
        }
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Chain {Chain} ({ChainId}): watching its escrow")]
    private static partial void LogWatching(ILogger logger, string chain, ChainId chainId);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Chain {Chain} ({ChainId}): the watcher stopped; restarting it from its checkpoint in {Delay} (the other chains go on)")]
    private static partial void LogWatcherFailed(ILogger logger, Exception exception, string chain, ChainId chainId, TimeSpan delay);

    private sealed class CursorRecordingSink(IChainEventSink inner, LatestChainCursors cursors) : IChainEventSink
    {
        public async Task AcceptAsync(ChainEventBatch batch, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(batch);
            await inner.AcceptAsync(batch, cancellationToken).ConfigureAwait(false);
            cursors.Accepted(batch);
        }
    }
}
