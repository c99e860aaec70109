using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>What the operators' nodes of a local cluster share: the EVM chain, its 2-of-3 escrow and token, and the broker.</summary>
internal sealed record ClusterChain(Uri EvmRpcUrl, string Escrow, ulong StartBlock, string Token, Uri RabbitMq);

/// <summary>Where one operator's node keeps its state: an external Redis (null: the embedded store in its data directory) and its API's address.</summary>
internal sealed record ClusterNodeSeat(string? StoreConnectionString, string ApiUrls);

/// <summary>
/// Writes one node.json per operator of a local M-of-N cluster, each in its own directory (<c>operator-{i}/</c>) with
/// its own key files (owner-only): its own EVM attestor key (the devnet signer of its index) and its own submitter key,
/// its own aggregator queue and store, the shared broker, and the same <c>OperatorSet</c> (every operator's signer
/// address, threshold 2). EVM only so far (the node co-signs Solana settles, but the cluster does not start the Solana
/// dev node yet), so the cluster's intents go from the EVM escrow to itself.
/// </summary>
internal static class ClusterNodeConfigs
{
    public const string ChainName = "anvil";
    public const int Threshold = 2;

    /// <summary>The operators' ids, in proposer order.</summary>
    public static IReadOnlyList<string> OperatorIds { get; } = [.. EvmDevChain.SignerLabels.Select((_, i) => OperatorId(i))];

    public static string OperatorId(int index) => string.Create(CultureInfo.InvariantCulture, $"operator-{index}");

    /// <summary>The key that pays operator <paramref name="index"/>'s settlement transactions (a local devnet key; it needs gas).</summary>
    public static EvmKey SubmitterKey(int index) => EvmDevChain.LocalKey(SubmitterLabel(index));

    private static string SubmitterLabel(int index) => string.Create(CultureInfo.InvariantCulture, $"cluster-submitter-{index}");

    /// <summary>Writes every operator's node.json under <paramref name="dataDirectory"/>; returns their paths in operator order.</summary>
    public static IReadOnlyList<string> Write(ClusterChain chain, IReadOnlyList<ClusterNodeSeat> seats, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentNullException.ThrowIfNull(seats);
        if (seats.Count != EvmDevChain.SignerLabels.Count)
        {
            throw new ArgumentException($"{seats.Count} seats; the devnet escrow has {EvmDevChain.SignerLabels.Count} signers.", nameof(seats));
        }

        var operators = new JsonArray([.. EvmDevChain.SignerLabels.Select((label, i) => (JsonNode)new JsonObject
        {
            ["Id"] = OperatorId(i),
            ["Signers"] = new JsonArray(new JsonObject { ["Chain"] = ChainName, ["Address"] = EvmDevChain.LocalKey(label).Address.ToString() }),
        })]);
        var paths = new List<string>();
        for (var i = 0; i < seats.Count; i++)
        {
            var directory = Path.Combine(Path.GetFullPath(dataDirectory), OperatorId(i));
            Directory.CreateDirectory(Path.Combine(directory, "keys"));
            paths.Add(WriteOne(chain, seats[i], i, operators.DeepClone().AsArray(), directory));
        }

        return paths;
    }

    private static string WriteOne(ClusterChain chain, ClusterNodeSeat seat, int index, JsonArray operators, string directory)
    {
        var attestor = DevnetNodeConfig.KeyFile(directory, $"{ChainName}-attestor.key", "0x" + Convert.ToHexStringLower(DevnetKeys.Derive(EvmDevChain.SignerLabels[index])));
        var submitter = DevnetNodeConfig.KeyFile(directory, $"{ChainName}-submitter.key", "0x" + Convert.ToHexStringLower(DevnetKeys.Derive(SubmitterLabel(index))));
        var config = new JsonObject
        {
            ["Node"] = new JsonObject { ["NodeId"] = OperatorId(index), ["DataDirectory"] = ".", ["ShutdownTimeout"] = "00:00:20" },
            ["Chains"] = new JsonArray(DevnetNodeConfig.Chain(ChainName, "Evm", EvmDevChain.ChainIdValue, submitter, [attestor], new JsonObject
            {
                ["Rpc"] = new JsonObject { ["Url"] = chain.EvmRpcUrl.ToString() },
                ["EscrowAddress"] = chain.Escrow,
                ["StartBlock"] = chain.StartBlock,
                ["ConfirmationDepth"] = 0,
                ["PollInterval"] = "00:00:00.250",
                ["ReconcileInterval"] = "00:00:05",
            })),
            ["Assets"] = new JsonArray(new JsonObject
            {
                ["AssetId"] = "USDC",
                ["ReferencePrice"] = "1000000000000000000",
                ["Tokens"] = new JsonArray(new JsonObject { ["Chain"] = ChainName, ["Token"] = chain.Token, ["Decimals"] = 6 }),
            }),

            // Every verifier checks the proposer's prices against its own feed: a static feed agrees on every node.
            ["PriceFeed"] = new JsonObject { ["Kind"] = "Static" },
            ["Epochs"] = new JsonObject { ["MaxDuration"] = "00:00:05", ["MinDuration"] = "00:00:01", ["MaxIntentCount"] = 1000, ["MaxPriceMoveBps"] = 100 },
            ["Clearing"] = new JsonObject { ["FeeBps"] = 5, ["SpreadBps"] = 10, ["SettlementMarginSeconds"] = 600 },
            ["Margin"] = new JsonObject { ["PoolShareBps"] = 5000 },
            ["Bus"] = new JsonObject
            {
                ["RabbitMq"] = chain.RabbitMq.ToString(),

                // Each operator's watchers feed only its own aggregator: another operator's intake must never be trusted.
                ["AggregatorQueue"] = $"discreteexec-aggregator-{OperatorId(index)}",
            },
            ["OperatorSet"] = new JsonObject
            {
                ["Operators"] = operators,
                ["OwnIndex"] = index,
                ["Threshold"] = Threshold,
                ["ProposalTimeout"] = "00:00:10",
            },
            ["Api"] = new JsonObject { ["Urls"] = seat.ApiUrls },
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning", ["DiscreteExec.Relayer.Node.Epochs"] = "Information" } },
        };
        if (seat.StoreConnectionString is { } store)
        {
            config["Store"] = new JsonObject { ["ConnectionString"] = store };
        }

        var path = Path.Combine(directory, DevnetNodeConfig.FileName);
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }
}
