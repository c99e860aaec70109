using System.Text.Json.Nodes;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

/// <summary>A temporary directory with key files and a complete, valid node.json that each test may change before writing.</summary>
internal sealed class NodeConfigFixture : IDisposable
{
    public NodeConfigFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("discreteexec-node-config-").FullName;
        File.WriteAllText(Path.Combine(Directory, "evm.key"), "0x" + new string('1', 64));
        File.WriteAllText(Path.Combine(Directory, "solana.json"), "[]");
        Config = JsonNode.Parse("""
            {
              "Node": { "NodeId": "node-a", "DataDirectory": "data" },
              "Chains": [
                {
                  "Name": "sepolia", "Kind": "Evm", "ChainId": 11155111,
                  "Keys": { "Submitter": { "File": "evm.key" }, "Attestors": [ { "File": "evm.key" } ] },
                  "Adapter": { "Rpc": { "Url": "https://rpc.example/sepolia" }, "EscrowAddress": "0x5fbdb2315678afecb367f032d93f642f64180aa3", "StartBlock": 100, "ConfirmationDepth": 12 }
                },
                {
                  "Name": "solana-devnet", "Kind": "Solana", "ChainId": 900001,
                  "Keys": { "Submitter": { "File": "solana.json" }, "Attestors": [ { "File": "solana.json" } ] },
                  "Adapter": { "Rpc": { "Url": "https://rpc.example/solana" }, "ProgramId": "11111111111111111111111111111111", "Commitment": "Finalized" }
                }
              ],
              "Assets": [
                { "AssetId": "USDC", "ReferencePrice": "1000000000000000000",
                  "Tokens": [ { "Chain": "sepolia", "Token": "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238", "Decimals": 6 },
                              { "Chain": "solana-devnet", "Token": "So11111111111111111111111111111111111111112", "Decimals": 6 } ] }
              ],
              "PriceFeed": { "Kind": "Static" },
              "Epochs": { "MaxDuration": "00:00:12", "MaxPriceMoveBps": 100 },
              "Clearing": { "FeeBps": 5, "SpreadBps": 10, "SettlementMarginSeconds": 600 },
              "Margin": { "PoolShareBps": 5000 },
              "Store": { "KeyPrefix": "dx:" },
              "Api": { "Urls": "http://127.0.0.1:0" }
            }
            """)!.AsObject();
    }

    public string Directory { get; }

    public JsonObject Config { get; }

    public JsonObject Chain(int index) => Config["Chains"]![index]!.AsObject();

    public string Write()
    {
        var path = Path.Combine(Directory, "node.json");
        File.WriteAllText(path, Config.ToJsonString());
        return path;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
