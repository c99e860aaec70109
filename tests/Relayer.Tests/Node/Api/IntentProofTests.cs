using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Core;
using Org.BouncyCastle.Crypto.Digests;

namespace DiscreteExec.Relayer.Tests.Node.Api;

/// <summary>
/// Every action's proof checked by a verifier written here from docs/ARCHITECTURE.md (BouncyCastle's Keccak, the ABI
/// words laid out by hand, sorted-pair folding), against the batch root the test escrow received with each chunk.
/// </summary>
[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class IntentProofTests(ApiNodeFixture node)
{
    private static readonly Dictionary<string, byte> Kinds = new(StringComparer.Ordinal) { ["release"] = 0, ["refund"] = 1, ["payout"] = 2, ["withdraw"] = 3 };

    [Fact]
    public async Task Proof_EveryActionOfEpochOne_VerifiesAgainstTheRootTheEscrowReceived()
    {
        var escrowRoots = node.World.EscrowA.Journal.Concat(node.World.EscrowB.Journal).Where(c => c.EpochId == 1).Select(c => c.BatchRoot.ToString()).Distinct().ToArray();
        var verified = 0;
        foreach (var intent in node.FilledInFirst.Append(node.Refunded))
        {
            var proof = await node.GetJsonAsync($"/v1/intents/{intent.IntentId}/proof");

            Assert.Equal(1UL, proof.GetProperty("epochId").GetUInt64());
            Assert.Equal(escrowRoots, new[] { proof.GetProperty("batchRoot").GetString()! });
            foreach (var action in proof.GetProperty("actions").EnumerateArray())
            {
                Assert.Equal(Leaf(action, epochId: 1, intent.IntentId.ToString()), action.GetProperty("leaf").GetString());
                Assert.True(Verifies(action), $"proof of {action}");
                Assert.False(string.IsNullOrEmpty(action.GetProperty("transactionId").GetString()));
                verified++;
            }
        }

        Assert.Equal((5 * 2) + 1, verified);
    }

    [Fact]
    public async Task Proof_TamperedSiblingOrLeaf_FailsTheVerifier()
    {
        var proof = await node.GetJsonAsync($"/v1/intents/{node.FilledInFirst[3].IntentId}/proof");
        var action = proof.GetProperty("actions")[1];
        Assert.True(Verifies(action));

        var tamperedPath = Replace(action, "leafToLegHash", path => [Flip(path[0]), .. path.Skip(1)]);
        var tamperedLeaf = Replace(action, "leaf", leaf => Flip(leaf));
        var tamperedRootPath = Replace(action, "legHashToBatchRoot", path => [.. path.Reverse().Append(path[0])]);

        Assert.False(Verifies(tamperedPath));
        Assert.False(Verifies(tamperedLeaf));
        Assert.False(Verifies(tamperedRootPath));
    }

    [Fact]
    public async Task Proof_OpenIntent_404Problem() =>
        await node.AssertProblemAsync($"/v1/intents/{node.Deferred.IntentId}/proof", 404, parameter: null);

    [Theory]
    [InlineData("/v1/intents/0x12/proof")]
    [InlineData("/v1/intents/nothex/proof")]
    public async Task Proof_MalformedId_400NamingIntentId(string path) => await node.AssertProblemAsync(path, 400, "intentId");

    [Fact]
    public async Task Proof_UnknownIntent_404Problem() =>
        await node.AssertProblemAsync($"/v1/intents/0x{new string('5', 64)}/proof", 404, parameter: null);

    private static bool Verifies(JsonElement action)
    {
        var legHash = Fold(action.GetProperty("leaf").GetString()!, action.GetProperty("leafToLegHash"));
        if (legHash != action.GetProperty("legHash").GetString())
        {
            return false;
        }

        return Fold(legHash, action.GetProperty("legHashToBatchRoot")) == action.GetProperty("batchRoot").GetString();
    }

    private static string Fold(string leaf, JsonElement path)
    {
        var node = Convert.FromHexString(leaf[2..]);
        foreach (var sibling in path.EnumerateArray().Select(s => Convert.FromHexString(s.GetString()![2..])))
        {
            node = node.AsSpan().SequenceCompareTo(sibling) <= 0 ? Keccak([.. node, .. sibling]) : Keccak([.. sibling, .. node]);
        }

        return "0x" + Convert.ToHexStringLower(node);
    }

    /// <summary>keccak256(abi.encode(uint64 chainId, uint64 epochId, uint8 kind, bytes32 intentId, bytes32 token, bytes32 account, uint256 amount)).</summary>
    private static string Leaf(JsonElement action, ulong epochId, string intentId)
    {
        var words = new byte[7 * 32];
        Word(words, 0, new BigInteger(action.GetProperty("chainId").GetUInt64()));
        Word(words, 1, new BigInteger(epochId));
        Word(words, 2, new BigInteger(Kinds[action.GetProperty("kind").GetString()!]));
        Convert.FromHexString(intentId[2..]).CopyTo(words, 3 * 32);
        Convert.FromHexString(action.GetProperty("token").GetString()![2..]).CopyTo(words, 4 * 32);
        Convert.FromHexString(action.GetProperty("account").GetString()![2..]).CopyTo(words, 5 * 32);
        Word(words, 6, BigInteger.Parse(action.GetProperty("amount").GetString()!, CultureInfo.InvariantCulture));
        return "0x" + Convert.ToHexStringLower(Keccak(words));
    }

    private static void Word(byte[] words, int index, BigInteger value)
    {
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes.CopyTo(words, ((index + 1) * 32) - bytes.Length);
    }

    private static byte[] Keccak(byte[] data)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data, 0, data.Length);
        var output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }

    private static string Flip(string hash) => hash[..^1] + (hash[^1] == '0' ? '1' : '0');

    private static JsonElement Replace(JsonElement action, string property, Func<string[], string[]> change)
    {
        var copy = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(action.GetRawText())!;
        copy[property] = JsonSerializer.SerializeToElement(change([.. copy[property].EnumerateArray().Select(e => e.GetString()!)]));
        return JsonSerializer.SerializeToElement(copy);
    }

    private static JsonElement Replace(JsonElement action, string property, Func<string, string> change)
    {
        var copy = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(action.GetRawText())!;
        copy[property] = JsonSerializer.SerializeToElement(change(copy[property].GetString()!));
        return JsonSerializer.SerializeToElement(copy);
    }
}
