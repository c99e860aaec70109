using System.Globalization;
using DiscreteExec.Chaos;

// dotnet run --project tests/Chaos -- --seed S --minutes M [--nodes 1|3] [--rate R] [--data-dir D] [--drain-minutes N]  (scripts/chaos.sh)
var seed = 1UL;
var minutes = 3m;
var rate = 4;
var nodes = 1;
var drainMinutes = 5m;
string? breakOnPurpose = null;
var planOnly = false;
var dataDirectory = Path.Combine(Path.GetTempPath(), "discreteexec-chaos-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--plan-only")
    {
        planOnly = true;
        continue;
    }

    var value = i + 1 < args.Length ? args[i + 1] : null;
    var ok = args[i] switch
    {
        "--seed" => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out seed),
        "--minutes" => decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out minutes) && minutes > 0 && minutes <= 24 * 60,
        "--rate" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out rate) && rate is > 0 and <= 200,
        "--drain-minutes" => decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out drainMinutes) && drainMinutes > 0,
        "--data-dir" => (dataDirectory = value ?? string.Empty).Length > 0,
        "--break-on-purpose" => (breakOnPurpose = value) == "skip-payouts",
        "--nodes" => (value == "1" || value == "3") && int.TryParse(value, CultureInfo.InvariantCulture, out nodes) || Fail("--nodes: 1 (one node) or 3 (the 2-of-3 operator set)"),
        _ => Fail($"unknown option {args[i]}"),
    };
    if (!ok)
    {
        await Console.Error.WriteLineAsync($"chaos: bad value for {args[i]}: '{value}'. Usage: chaos --seed S --minutes M [--nodes 1|3] [--rate R (1-200)] [--drain-minutes N] [--data-dir D] [--plan-only] [--break-on-purpose skip-payouts]");
        return 2;
    }

    i++;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var settings = new ChaosSettings(seed, TimeSpan.FromMinutes((double)minutes), rate, Path.GetFullPath(dataDirectory), TimeSpan.FromMinutes((double)drainMinutes), breakOnPurpose, planOnly, nodes);
try
{
    return await new ChaosCampaign(settings, Console.Out).RunAsync(stop.Token) ? 0 : 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("chaos: interrupted");
    return 130;
}
catch (Exception ex) when (ex is not OperationCanceledException)
{
    // The harness itself failed (a server that would not start, a chain that stopped answering): the campaign proves nothing.
    await Console.Error.WriteLineAsync($"chaos: the campaign could not run: {ex}");
    return 1;
}

static bool Fail(string message)
{
    Console.Error.WriteLine("chaos: " + message);
    return false;
}
