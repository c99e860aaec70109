using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;

namespace DiscreteExec.Relayer.Tests.Node.Store;

/// <summary>
/// The embedded server loses nothing acknowledged on kill -9: a child process (tests/StoreProbe) appends to the event
/// log until it is killed with SIGKILL; a new server on the same data directory recovers every acknowledged append.
/// </summary>
public sealed class EmbeddedStoreDurabilityTests : IDisposable
{
    private static readonly TimeSpan ProcessWait = TimeSpan.FromSeconds(60);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("garnet-kill-").FullName;

    [Fact]
    public async Task AppendAsync_ProcessKilledWithSigkill_NewServerOnTheDirectoryRecoversEveryAcknowledgedAppend()
    {
        const int acknowledgedBeforeKill = 300;
        var lines = Channel.CreateUnbounded<string>();
        using var appender = StartProbe("append", lines.Writer);
        var lastAcknowledged = 0;
        using (var timeout = new CancellationTokenSource(ProcessWait))
        {
            while (lastAcknowledged < acknowledgedBeforeKill)
            {
                lastAcknowledged = Acknowledged(await lines.Reader.ReadAsync(timeout.Token), lastAcknowledged);
            }
        }

        appender.Kill(); // SIGKILL on Linux: no shutdown code runs.
        await appender.WaitForExitAsync().WaitAsync(ProcessWait);
        // Lines already written by the child before it died were acknowledged too.
        await foreach (var line in lines.Reader.ReadAllAsync())
        {
            lastAcknowledged = Acknowledged(line, lastAcknowledged);
        }

        var readLines = Channel.CreateUnbounded<string>();
        using var reader = StartProbe("read", readLines.Writer);
        await reader.WaitForExitAsync().WaitAsync(ProcessWait);
        var recovered = await readLines.Reader.ReadAllAsync().ToListAsync();

        Assert.Equal(0, reader.ExitCode);
        var head = long.Parse(recovered[0].Split(' ')[1], CultureInfo.InvariantCulture);
        Assert.True(head >= lastAcknowledged, $"recovered head {head} < {lastAcknowledged} acknowledged appends");
        Assert.Equal(
            Enumerable.Range(1, (int)head).Select(i => $"event {i} probe-{i}"),
            recovered.Skip(1));
    }

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private static int Acknowledged(string line, int lastAcknowledged) =>
        line.StartsWith("acked ", StringComparison.Ordinal) ? int.Parse(line[6..], CultureInfo.InvariantCulture) : lastAcknowledged;

    // The probe is built beside the tests (a project reference): same configuration, its own output folder.
    private Process StartProbe(string mode, ChannelWriter<string> lines)
    {
        var testOutput = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var probe = testOutput.Replace($"{Path.DirectorySeparatorChar}Relayer.Tests{Path.DirectorySeparatorChar}", $"{Path.DirectorySeparatorChar}StoreProbe{Path.DirectorySeparatorChar}", StringComparison.Ordinal);
        var startInfo = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(probe, "DiscreteExec.StoreProbe.dll"), mode, _dataDirectory })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                lines.TryComplete();
            }
            else
            {
                lines.TryWrite(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        return process;
    }
}
