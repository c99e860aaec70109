using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// What the operators' nodes of a local cluster share: the EVM chain with its 2-of-3 escrow and token, the Solana dev
/// node with its 2-of-3 escrow program and mint, and the broker.
/// </summary>
internal sealed record ClusterChain(Uri EvmRpcUrl, string Escrow, ulong StartBlock, string Token, Uri SolanaRpcUrl, string SolanaProgramId, string SolanaMint, Uri RabbitMq);

/// <summary>
/// Where one operator's node keeps its state: an external Redis (null: the embedded store in its data directory), its
/// API's address and its data directory (relative paths are relative to its node.json).
/// </summary>
internal sealed record ClusterNodeSeat(string? StoreConnectionString, string ApiUrls, string DataDirectory = ".");

/// <summary>
/// Writes one node.json per operator of a local M-of-N cluster, each in its own directory (<c>operator-{i}/</c>) with
/// its own key files (owner-only): on each chain its own attestor key (the devnet signer of its index) and its own
/// submitter key (EVM) or fee payer (Solana), its own aggregator queue and store, the shared broker, and the same
/// <c>OperatorSet</c> (every operator's signer on both chains, threshold 2). A Solana settle needs two attestors'
/// signatures on the transaction itself, so the submitting node asks the others to co-sign over the bus.
/// </summary>
internal static class ClusterNodeConfigs
{
    public const string EvmChainName = DevnetNodeConfig.EvmChainName;
    public const string SolanaChainName = DevnetNodeConfig.SolanaChainName;
    public const int Threshold = 2;

    /// <summary>The clearing's settlement margin (s): a deadline closer than this is refunded, not filled.</summary>
    public const ulong SettlementMarginSeconds = 600;

    /// <summary>The operators' ids, in proposer order.</summary>
    public static IReadOnlyList<string> OperatorIds { get; } = [.. EvmDevChain.SignerLabels.Select((_, i) => OperatorId(i))];

    public static string OperatorId(int index) => string.Create(CultureInfo.InvariantCulture, $"operator-{index}");

    /// <summary>The key that pays operator <paramref name="index"/>'s settlement transactions (a local devnet key; it needs gas).</summary>
    public static EvmKey SubmitterKey(int index) => EvmDevChain.LocalKey(SubmitterLabel(index));

    /// <summary>The public key of operator <paramref name="index"/>'s Solana fee payer (a local devnet key; it needs SOL).</summary>
    public static Bytes32 SolanaPayer(int index) => SolanaPublicKey(SolanaPayerLabel(index));

    /// <summary>Operator <paramref name="index"/>'s signer in the Solana escrow's attestor set.</summary>
    public static Bytes32 SolanaSigner(int index) => SolanaPublicKey(SolanaDevChain.SignerLabels[index]);

    private static string SubmitterLabel(int index) => string.Create(CultureInfo.InvariantCulture, $"cluster-submitter-{index}");

    private static string SolanaPayerLabel(int index) => string.Create(CultureInfo.InvariantCulture, $"cluster-solana-payer-{index}");

    private static Bytes32 SolanaPublicKey(string label)
    {
        using var key = SolanaKeypair.FromSeed(DevnetKeys.Derive(label));
        return key.PublicKey;
    }

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
            ["Signers"] = new JsonArray(
                new JsonObject { ["Chain"] = EvmChainName, ["Address"] = EvmDevChain.LocalKey(label).Address.ToString() },
                new JsonObject { ["Chain"] = SolanaChainName, ["Address"] = Base58.EncodeKey(SolanaSigner(i)) }),
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
        var attestor = DevnetNodeConfig.KeyFile(directory, $"{EvmChainName}-attestor.key", "0x" + Convert.ToHexStringLower(DevnetKeys.Derive(EvmDevChain.SignerLabels[index])));
        var submitter = DevnetNodeConfig.KeyFile(directory, $"{EvmChainName}-submitter.key", "0x" + Convert.ToHexStringLower(DevnetKeys.Derive(SubmitterLabel(index))));
        var solanaAttestor = DevnetNodeConfig.KeyFile(directory, $"{SolanaChainName}-attestor.json", DevnetNodeConfig.SolanaKeypairJson(DevnetKeys.Derive(SolanaDevChain.SignerLabels[index])));
        var solanaPayer = DevnetNodeConfig.KeyFile(directory, $"{SolanaChainName}-payer.json", DevnetNodeConfig.SolanaKeypairJson(DevnetKeys.Derive(SolanaPayerLabel(index))));
        var config = new JsonObject
        {
            ["Node"] = new JsonObject { ["NodeId"] = OperatorId(index), ["DataDirectory"] = seat.DataDirectory, ["ShutdownTimeout"] = "00:00:20" },
            ["Chains"] = new JsonArray(
                DevnetNodeConfig.Chain(EvmChainName, "Evm", EvmDevChain.ChainIdValue, submitter, [attestor], DevnetNodeConfig.EvmAdapter(chain.EvmRpcUrl, chain.Escrow, chain.StartBlock)),
                DevnetNodeConfig.Chain(SolanaChainName, "Solana", SolanaDevChain.ChainIdValue, solanaPayer, [solanaAttestor], DevnetNodeConfig.SolanaAdapter(chain.SolanaRpcUrl, chain.SolanaProgramId))),
            ["Assets"] = new JsonArray(new JsonObject
            {
                ["AssetId"] = "USDC",
                ["ReferencePrice"] = "1000000000000000000",
                ["Tokens"] = new JsonArray(
                    new JsonObject { ["Chain"] = EvmChainName, ["Token"] = chain.Token, ["Decimals"] = 6 },
                    new JsonObject { ["Chain"] = SolanaChainName, ["Token"] = chain.SolanaMint, ["Decimals"] = 6 }),
            }),

            // Every verifier checks the proposer's prices against its own feed: a static feed agrees on every node.
            ["PriceFeed"] = new JsonObject { ["Kind"] = "Static" },
            ["Epochs"] = new JsonObject { ["MaxDuration"] = "00:00:05", ["MinDuration"] = "00:00:01", ["MaxIntentCount"] = 1000, ["MaxPriceMoveBps"] = 100 },
            ["Clearing"] = new JsonObject { ["FeeBps"] = 5, ["SpreadBps"] = 10, ["SettlementMarginSeconds"] = SettlementMarginSeconds },
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
