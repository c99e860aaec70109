using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>What a started local devnet offers a node: both chains' endpoints, escrows, USDC tokens and the local keys.</summary>
internal sealed record DevnetChains(
    Uri EvmRpcUrl,
    ulong EvmChainId,
    string EvmEscrow,
    ulong EvmStartBlock,
    string EvmToken,
    byte[] EvmSubmitterKey,
    IReadOnlyList<byte[]> EvmAttestorKeys,
    Uri SolanaRpcUrl,
    ulong SolanaChainId,
    string SolanaProgramId,
    string SolanaMint,
    byte[] SolanaPayerSeed,
    IReadOnlyList<byte[]> SolanaAttestorSeeds)
{
    public static DevnetChains From(LocalDevnet devnet)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        return new DevnetChains(
            devnet.Evm.Url,
            EvmDevChain.ChainIdValue,
            devnet.Evm.Escrow.ToString(),
            devnet.Evm.DeploymentBlock,
            devnet.Evm.Token.ToString(),
            Convert.FromHexString(EvmDevChain.AnvilAccount0[2..]),
            [.. EvmDevChain.SignerLabels.Select(DevnetKeys.Derive)],
            devnet.Solana.Url,
            SolanaDevChain.ChainIdValue,
            Base58.EncodeKey(devnet.Solana.Escrow.ProgramId),
            Base58.EncodeKey(devnet.Solana.Mint),
            DevnetKeys.Derive(SolanaDevChain.AdminLabel),
            [.. SolanaDevChain.SignerLabels.Select(DevnetKeys.Derive)]);
    }
}

/// <summary>
/// Writes the node.json (and its key files, owner-only) that <c>relayer run --devnet</c> runs with, into the data
/// directory: both local chains at shallow finality, USDC on both, a random-walk price feed so that the volatility
/// trigger fires, short epochs. The file is an ordinary config: <c>relayer run --config DATA/node.json</c> runs it again.
/// </summary>
internal static class DevnetNodeConfig
{
    public const string FileName = "node.json";
    public const string EvmChainName = "anvil";
    public const string SolanaChainName = "solana-dev";

    /// <summary>Writes the key files and node.json into <paramref name="dataDirectory"/>; returns node.json's path.</summary>
    public static string Write(DevnetChains chains, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(chains);
        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(Path.Combine(directory, "keys"));
        var evmAttestors = chains.EvmAttestorKeys.Select((key, i) => KeyFile(directory, $"{EvmChainName}-attestor-{i}.key", "0x" + Convert.ToHexStringLower(key))).ToArray();
        var solanaAttestors = chains.SolanaAttestorSeeds.Select((seed, i) => KeyFile(directory, $"{SolanaChainName}-attestor-{i}.json", SolanaKeypairJson(seed))).ToArray();
        var config = new JsonObject
        {
            ["Node"] = new JsonObject { ["NodeId"] = "devnet-node", ["DataDirectory"] = ".", ["ShutdownTimeout"] = "00:00:20" },
            ["Chains"] = new JsonArray(
                Chain(EvmChainName, "Evm", chains.EvmChainId, KeyFile(directory, $"{EvmChainName}-submitter.key", "0x" + Convert.ToHexStringLower(chains.EvmSubmitterKey)), evmAttestors, EvmAdapter(chains.EvmRpcUrl, chains.EvmEscrow, chains.EvmStartBlock)),
                Chain(SolanaChainName, "Solana", chains.SolanaChainId, KeyFile(directory, $"{SolanaChainName}-payer.json", SolanaKeypairJson(chains.SolanaPayerSeed)), solanaAttestors, SolanaAdapter(chains.SolanaRpcUrl, chains.SolanaProgramId))),
            ["Assets"] = new JsonArray(new JsonObject
            {
                ["AssetId"] = "USDC",
                ["ReferencePrice"] = "1000000000000000000",
                ["Tokens"] = new JsonArray(
                    new JsonObject { ["Chain"] = EvmChainName, ["Token"] = chains.EvmToken, ["Decimals"] = 6 },
                    new JsonObject { ["Chain"] = SolanaChainName, ["Token"] = chains.SolanaMint, ["Decimals"] = 6 }),
            }),
            ["PriceFeed"] = new JsonObject
            {
                ["Kind"] = "RandomWalk",
                ["RandomWalk"] = new JsonObject { ["Seed"] = 1, ["StepBps"] = 25, ["TickInterval"] = "00:00:01" },
            },
            ["Epochs"] = new JsonObject { ["MaxDuration"] = "00:00:05", ["MinDuration"] = "00:00:01", ["MaxIntentCount"] = 1000, ["MaxPriceMoveBps"] = 100 },
            ["Clearing"] = new JsonObject { ["FeeBps"] = 5, ["SpreadBps"] = 10, ["SettlementMarginSeconds"] = 600 },
            ["Margin"] = new JsonObject { ["PoolShareBps"] = 5000 },
            ["Api"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0" }, // a free port, printed at start

            // The devnet prints one line per epoch itself; the node's own log shows warnings and errors only.
            ["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "Warning" } },
        };
        var path = Path.Combine(directory, FileName);
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return path;
    }

    internal static JsonObject Chain(string name, string kind, ulong chainId, string submitterFile, string[] attestorFiles, JsonObject adapter) => new()
    {
        ["Name"] = name,
        ["Kind"] = kind,
        ["ChainId"] = chainId,
        ["Keys"] = new JsonObject
        {
            ["Submitter"] = new JsonObject { ["File"] = submitterFile },
            ["Attestors"] = new JsonArray([.. attestorFiles.Select(f => (JsonNode)new JsonObject { ["File"] = f })]),
        },
        ["Adapter"] = adapter,
    };

    /// <summary>The adapter section of a local anvil chain: no confirmation depth (anvil mines each transaction at once), fast polling.</summary>
    internal static JsonObject EvmAdapter(Uri rpcUrl, string escrow, ulong startBlock) => new()
    {
        ["Rpc"] = new JsonObject { ["Url"] = rpcUrl.ToString() },
        ["EscrowAddress"] = escrow,
        ["StartBlock"] = startBlock,
        ["ConfirmationDepth"] = 0,
        ["PollInterval"] = "00:00:00.250",
        ["ReconcileInterval"] = "00:00:05",
    };

    /// <summary>The adapter section of the local Solana dev node: confirmed commitment, fast polling, a lookup table of the node's own.</summary>
    internal static JsonObject SolanaAdapter(Uri rpcUrl, string programId) => new()
    {
        ["Rpc"] = new JsonObject { ["Url"] = rpcUrl.ToString() },
        ["ProgramId"] = programId,
        ["Commitment"] = "Confirmed",
        ["PollInterval"] = "00:00:00.250",
        ["LookupTable"] = "auto",
    };

    /// <summary>Writes one key file (owner read/write only) and returns its path relative to the data directory.</summary>
    internal static string KeyFile(string directory, string name, string content)
    {
        var relative = Path.Combine("keys", name);
        var path = Path.Combine(directory, relative);
        File.WriteAllText(path, content + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return relative;
    }

    /// <summary>A Solana CLI keypair file: the 32-byte seed then the public key, as a JSON array of numbers.</summary>
    internal static string SolanaKeypairJson(byte[] seed)
    {
        using var keypair = SolanaKeypair.FromSeed(seed);
        return "[" + string.Join(",", seed.Concat(keypair.PublicKey.ToArray()).Select(b => b.ToString(CultureInfo.InvariantCulture))) + "]";
    }
}
