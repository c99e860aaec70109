using System.Text.Json;
using DiscreteExec.Core.Messages;
using DiscreteExec.Samples.EventFollower;

// dotnet run --project samples/Integrators/EventFollower -- --node http://127.0.0.1:8080 --evm-rpc URL --evm-escrow ADDR
//   --solana-rpc URL --solana-program ID [--from N]
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i]] = args[i + 1];
}

if (args.Length % 2 != 0 || !TryUrl(options, "--node", out var node) || options.Keys.Any(k => k is not ("--node" or "--evm-rpc" or "--evm-escrow" or "--solana-rpc" or "--solana-program" or "--from")))
{
    await Console.Error.WriteLineAsync("usage: EventFollower --node http://127.0.0.1:8080 [--evm-rpc URL --evm-escrow 0xADDRESS] [--solana-rpc URL --solana-program ID] [--from SEQUENCE (0: the whole log)]");
    return 2;
}

using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
ILegAppliedReader? evm = TryUrl(options, "--evm-rpc", out var evmRpc) && options.TryGetValue("--evm-escrow", out var escrow) ? new EvmLegAppliedReader(http, evmRpc, escrow) : null;
ILegAppliedReader? solana = TryUrl(options, "--solana-rpc", out var solanaRpc) && options.TryGetValue("--solana-program", out var program) ? new SolanaLegAppliedReader(http, solanaRpc, program) : null;
long? from = options.TryGetValue("--from", out var fromText) ? long.Parse(fromText, System.Globalization.CultureInfo.InvariantCulture) : 0;

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var follower = new EventStreamFollower(http, node, TimeProvider.System);
var verifier = new SettlementVerifier(http, node, evm, solana);
var (verified, mismatched) = (0, 0);
Console.WriteLine($"Following {node}v1/events from {from}; Ctrl+C stops.");
try
{
    await foreach (var streamed in follower.FollowAsync(from, stop.Token))
    {
        if (streamed.Type != nameof(IntentSettled))
        {
            continue;
        }

        var settled = JsonSerializer.Deserialize<IntentSettled>(streamed.Data)!;
        var check = await verifier.CheckAsync(settled, stop.Token);
        _ = check.Verified ? verified++ : mismatched++;
        Console.WriteLine(check);
    }
}
catch (OperationCanceledException)
{
}

Console.WriteLine($"{verified} verified, {mismatched} MISMATCH; last event {follower.LastEventId}, {follower.Reconnects} reconnects.");
return mismatched == 0 ? 0 : 1;

static bool TryUrl(Dictionary<string, string> options, string name, out Uri url)
{
    url = null!;
    return options.TryGetValue(name, out var text) && Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out url!);
}
