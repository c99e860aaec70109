using System.Text.Json.Nodes;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.Traffic;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Node.CrashSafety;

/// <summary>
/// A devnet for one crash case (anvil + the Solana dev node, pools funded) and a traffic generator with a fixed seed.
/// Not shared between cases: a node on a fresh store reads each escrow's history from its deployment, so the
/// intents an earlier case settled would come back into its book.
/// </summary>
internal sealed class CrashDevnet : IAsyncDisposable
{
    private const ulong PoolLiquidity = 1_000_000_000_000; // 1M USDC: no case is ever short of liquidity

    private CrashDevnet(LocalDevnet devnet, TrafficGenerator traffic)
    {
        Devnet = devnet;
        Traffic = traffic;
    }

    public LocalDevnet Devnet { get; }

    public TrafficGenerator Traffic { get; }

    public static async Task<CrashDevnet> StartAsync(TextWriter log, CancellationToken cancellationToken)
    {
        var devnet = await LocalDevnet.StartAsync(log, TimeProvider.System, cancellationToken);
        try
        {
            await devnet.Evm.FundPoolAsync(PoolLiquidity, cancellationToken);
            await devnet.Solana.FundPoolAsync(PoolLiquidity, cancellationToken);
            var traffic = await TrafficGenerator.CreateAsync(
                devnet, new TrafficOptions { IntentsPerSecond = 10_000, Seed = 10, SettlementMarginSeconds = 600 }, TimeProvider.System, cancellationToken);
            return new CrashDevnet(devnet, traffic);
        }
        catch
        {
            await devnet.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Opens at least <paramref name="atLeast"/> intents of the seeded mix, more until both directions, a refund and a
    /// deferral are among them.
    /// </summary>
    public async Task<IReadOnlyList<OpenedIntent>> OpenMixAsync(int atLeast, CancellationToken cancellationToken)
    {
        var opened = new List<OpenedIntent>();
        while (opened.Count < atLeast
            || !opened.Any(i => i.Origin == EvmDevChain.Chain) || !opened.Any(i => i.Origin == SolanaDevChain.Chain)
            || !opened.Any(i => i.Expected == ExpectedFate.Refunded) || !opened.Any(i => i.Expected == ExpectedFate.Deferred))
        {
            opened.AddRange(await Traffic.OpenAsync(8, cancellationToken));
        }

        return opened;
    }

    /// <summary>
    /// Writes a devnet node.json into <paramref name="dataDirectory"/> (as <c>relayer run --devnet</c> does) with the
    /// epoch loop's lines at Information (the test follows "Epoch N open") and, when given, an external Redis store.
    /// </summary>
    public string WriteConfig(string dataDirectory, string? redisConnectionString)
    {
        var path = DevnetNodeConfig.Write(DevnetChains.From(Devnet), dataDirectory);
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        config["Logging"]!["LogLevel"]!["DiscreteExec.Relayer.Node.Epochs.EpochLoop"] = "Information";
        if (redisConnectionString is not null)
        {
            config["Store"] = new JsonObject { ["ConnectionString"] = redisConnectionString };
        }

        File.WriteAllText(path, config.ToJsonString());
        return path;
    }

    public ValueTask DisposeAsync() => Devnet.DisposeAsync();
}
