using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.TestSupport;

/// <summary>The <see cref="ProxyLie"/> rewrites of EVM JSON-RPC answers: null when the answer is left as it is.</summary>
internal static class EvmLies
{
    private static readonly string IntentOpenedTopic = Hex(Keccak256.Hash("IntentOpened(bytes32,address,uint64,uint64,address,uint256,bytes32,uint256,bytes32,uint64)"u8.ToArray()).ToArray());
    private static readonly string PoolBalanceSelector = Hex(Keccak256.Hash("poolBalance(address)"u8.ToArray()).ToArray()[..4]);
    private const ulong FabricatedNonceOffset = 1_000_000;
    private const ulong PoolInflation = 1_000_000;

    public static byte[]? Tell(ProxyLie lies, ulong chainId, byte[] request, byte[] response)
    {
        if (JsonNode.Parse(request) is not JsonObject call || JsonNode.Parse(response) is not JsonObject answer)
        {
            return null;
        }

        var method = (string?)call["method"];
        var told = false;
        if (method == "eth_getLogs" && answer["result"] is JsonArray logs)
        {
            var opened = logs.Where(l => string.Equals((string?)l!["topics"]![0], IntentOpenedTopic, StringComparison.OrdinalIgnoreCase)).ToArray();
            if (lies.HasFlag(ProxyLie.FabricateIntentOpened) && opened.Length > 0)
            {
                logs.Add(Fabricate(opened[^1]!.AsObject(), chainId));
                told = true;
            }

            if (lies.HasFlag(ProxyLie.HideIntentOpened) && opened.Length > 0)
            {
                logs.Remove(opened[0]);
                told = true;
            }
        }
        else if (method == "eth_call" && lies.HasFlag(ProxyLie.WrongPoolBalance)
            && ((string?)call["params"]![0]!["data"] ?? (string?)call["params"]![0]!["input"])?.StartsWith(PoolBalanceSelector, StringComparison.OrdinalIgnoreCase) == true
            && (string?)answer["result"] is { Length: 66 } result)
        {
            var inflated = BigInteger.Parse("0" + result[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) + PoolInflation;
            answer["result"] = "0x" + inflated.ToString("x64", CultureInfo.InvariantCulture)[^64..];
            told = true;
        }

        return told ? System.Text.Encoding.UTF8.GetBytes(answer.ToJsonString()) : null;
    }

    /// <summary>A copy of an honest IntentOpened log for a deposit that never happened, with the id the escrow would give it.</summary>
    private static JsonObject Fabricate(JsonObject honest, ulong chainId)
    {
        var fake = honest.DeepClone().AsObject();
        var data = (string)fake["data"]!;
        var nonce = ulong.Parse(data.AsSpan(2 + 48, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture) + FabricatedNonceOffset;
        fake["data"] = string.Concat(data.AsSpan(0, 2 + 48), nonce.ToString("x16", CultureInfo.InvariantCulture), data.AsSpan(2 + 64));
        var escrow = Bytes32.FromEvmAddress(Convert.FromHexString(((string)fake["address"]!)[2..]));
        fake["topics"]![1] = IntentId.Compute(new ChainId(chainId), escrow, nonce).ToString();
        fake["transactionHash"] = Hex(Keccak256.Hash(System.Text.Encoding.UTF8.GetBytes("fabricated:" + nonce)).ToArray());
        fake["logIndex"] = "0x3e8";
        return fake;
    }

    private static string Hex(byte[] bytes) => "0x" + Convert.ToHexStringLower(bytes);
}
