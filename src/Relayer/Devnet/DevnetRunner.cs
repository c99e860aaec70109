using System.Globalization;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Starts the local devnet, runs the scenario on it and always shuts it down (on success, on an error and on
/// cancellation). <c>inspect</c> runs while the chains are still up: the integration test reads them there.
/// </summary>
internal static class DevnetRunner
{
    public static async Task<DevnetOutcome> RunAsync(
        TextWriter log, TimeProvider time, Func<LocalDevnet, DevnetOutcome, CancellationToken, Task>? inspect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(time);
        var started = time.GetTimestamp();
        var devnet = await LocalDevnet.StartAsync(log, time, cancellationToken).ConfigureAwait(false);
        try
        {
            var outcome = await DevnetScenario.RunAsync(devnet, log, time, cancellationToken).ConfigureAwait(false);
            if (inspect is not null)
            {
                await inspect(devnet, outcome, cancellationToken).ConfigureAwait(false);
            }

            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture, $"devnet: done in {time.GetElapsedTime(started).TotalSeconds:0.0} s (chains started, scenario run and checked; the build is not counted)"));
            return outcome;
        }
        finally
        {
            DevnetLog.Line(log, "devnet: shutting down anvil and the Solana dev node");
            await devnet.DisposeAsync().ConfigureAwait(false);
        }
    }
}
