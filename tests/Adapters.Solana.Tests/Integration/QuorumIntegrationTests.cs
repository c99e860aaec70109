using System.Text;
using System.Text.Json.Nodes;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Core.Messages;
using DiscreteExec.TestSupport;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// Three endpoints in front of the real dev node, the first of them lying: it hides the newest transaction from every
/// signature list (a fresh IntentOpened) and answers every account read with altered data (a wrong pool). With a 2-of-3
/// quorum the cluster's reads and its watcher believe the two honest endpoints; alone, the liar's answers are wrong.
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class QuorumIntegrationTests(DevnodeFixture node)
{
    [Fact]
    public async Task Cluster_TwoOfThreeWithOneLyingEndpoint_BelievesTheHonestTwo()
    {
        using var user = DevnodeFixture.Key("quorum-user");
        await node.FundSolAsync(user.PublicKey);
        await node.MintToAsync(user.PublicKey, 10_000_000);
        var (nonce, signature) = await node.OpenAsync(user, new OpenIntentParams(
            node.Mint, 1_234_567, DevnodeFixture.EvmChain, Bytes32.FromUInt64(0xA0), 1_000, Bytes32.FromUInt64(0xB0), DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200));

        await using var liar = new FaultInjectingProxy(node.RpcUrl, seed: 1, faultRate: 0, slowDelay: TimeSpan.Zero) { RewriteResponse = Lie };
        await using var honest = new FaultInjectingProxy(node.RpcUrl, seed: 2, faultRate: 0, slowDelay: TimeSpan.Zero);
        var options = node.Options(liar.Url);
        options.Rpc.Urls.Add(honest.Url);
        options.Rpc.Urls.Add(node.RpcUrl);
        options.Rpc.Quorum = 2;
        var cluster = SolanaCluster.Create("quorum", options, node.Http);
        var lying = new SolanaRpcClient(node.Http, node.Options(liar.Url));
        var pool = node.Escrow.PoolAddress(node.Mint);
        var page = new SignaturePage(null, null, 1000);

        // The lie is real: alone, the liar hides the open and alters the pool.
        Assert.DoesNotContain((await lying.GetSignaturesForAddressAsync(node.Escrow.ProgramId, page, Commitment.Confirmed, default)).Select(s => s.Signature), s => s == signature);
        Assert.NotEqual((await node.Rpc.GetAccountInfoAsync(pool, Commitment.Confirmed, default))!.Data, (await lying.GetAccountInfoAsync(pool, Commitment.Confirmed, default))!.Data);

        // With the quorum: the honest answers, and the watcher reports the hidden open.
        Assert.Equal(signature, (await cluster.Rpc.GetSignaturesForAddressAsync(node.Escrow.ProgramId, page, Commitment.Confirmed, default))[0].Signature);
        Assert.Equal((await node.Rpc.GetAccountInfoAsync(pool, Commitment.Confirmed, default))!.Data, (await cluster.Rpc.GetAccountInfoAsync(pool, Commitment.Confirmed, default))!.Data);
        var seen = new List<IntentObserved>();
        await cluster.CreateWatcher(new InMemoryCheckpointStore<WatcherCheckpoint>()).PollOnceAsync(WatcherIntegrationTests.Collect(seen), default);
        Assert.Contains(seen, o => o.Intent.DepositNonce == nonce && o.Intent.InputAmount == 1_234_567);
    }

    /// <summary>Drops the newest entry of a signature list; flips the first data byte of every account read.</summary>
    private static byte[] Lie(byte[] request, byte[] response)
    {
        var method = JsonNode.Parse(request)?["method"]?.GetValue<string>();
        var body = JsonNode.Parse(response);
        if (body?["result"] is not { } result)
        {
            return response;
        }

        if (method == "getSignaturesForAddress" && result is JsonArray { Count: > 0 } list)
        {
            list.RemoveAt(0);
        }
        else if (method is "getAccountInfo" or "getMultipleAccounts")
        {
            var values = result["value"] is JsonArray many ? many.ToArray() : [result["value"]];
            foreach (var account in values.OfType<JsonObject>())
            {
                var data = Convert.FromBase64String(account["data"]![0]!.GetValue<string>());
                if (data.Length > 0)
                {
                    data[0] ^= 0xFF;
                    account["data"]![0] = Convert.ToBase64String(data);
                }
            }
        }

        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }
}
