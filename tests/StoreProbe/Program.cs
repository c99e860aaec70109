using System.Globalization;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// Usage:
//   append DIR   appends events probe-1, probe-2, ... to the event log of an embedded server on DIR, printing
//                "acked N" after each acknowledged append, until it is killed.
//   read DIR     starts an embedded server on DIR (recovering it) and prints "head H", then "event S ID" per entry.
if (args.Length != 2 || args[0] is not ("append" or "read"))
{
    await Console.Error.WriteLineAsync("usage: StoreProbe append|read DATA_DIRECTORY").ConfigureAwait(false);
    return 2;
}

var options = Options.Create(new StoreOptions { DataDirectory = args[1] });
await using var connection = new NodeStoreConnection(options, NullLoggerFactory.Instance);
using var eventLog = new RedisEventLog(connection);
var output = Console.Out;
if (args[0] == "append")
{
    for (var i = 1UL; ; i++)
    {
        var closed = new EpochClosed($"probe-{i}", i, "probe", 0, 0, default(Bytes32));
        await eventLog.AppendAsync(closed, CancellationToken.None).ConfigureAwait(false);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"acked {i}")).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}

var head = await eventLog.HeadAsync(CancellationToken.None).ConfigureAwait(false);
await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"head {head}")).ConfigureAwait(false);
for (var after = 0L; ;)
{
    var page = await eventLog.ReadAsync(after, 500, CancellationToken.None).ConfigureAwait(false);
    if (page.Count == 0)
    {
        break;
    }

    foreach (var logged in page)
    {
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"event {logged.Sequence} {logged.EventId}")).ConfigureAwait(false);
    }

    after = page[^1].Sequence;
}

await output.FlushAsync().ConfigureAwait(false);
return 0;
