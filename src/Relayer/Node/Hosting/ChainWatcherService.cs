using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Epochs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>
/// Runs every chain's watcher into the node's intake sink (the bus), each on its own: a watcher that stops with an
/// error (a malformed event, an escrow that is not one) is logged with its chain and restarted after a backoff, while
/// the other chains go on. A watcher starts once its chain answered the start-up check.
/// </summary>
internal sealed partial class ChainWatcherService(
    NodeChains chains, IChainEventSink sink, LatestChainCursors cursors, ChainReadiness readiness, TimeProvider time, ILogger<ChainWatcherService> logger) : BackgroundService
{
    public static readonly TimeSpan FirstRestartDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(chains.All.Select(chain => WatchAsync(chain, stoppingToken)));

    private async Task WatchAsync(NodeChainAdapter chain, CancellationToken cancellationToken)
    {
        var delay = FirstRestartDelay;
        var recording = new CursorRecordingSink(sink, cursors);
        try
        {
            await readiness.WhenReadyAsync(chain.Name, cancellationToken).ConfigureAwait(false);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    LogWatching(logger, chain.Name, chain.ChainId);
                    await chain.Adapter.Watcher.RunAsync(recording, cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWatcherFailed(logger, ex, chain.Name, chain.ChainId, delay);
                }

                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRestartDelay.Ticks));
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
