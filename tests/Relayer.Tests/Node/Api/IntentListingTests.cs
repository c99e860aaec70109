using System.Text.Json;

namespace DiscreteExec.Relayer.Tests.Node.Api;

[Collection(ApiNodeFixtureDefinition.Name)]
public sealed class IntentListingTests(ApiNodeFixture node)
{
    [Fact]
    public async Task ListIntents_PagesOfTwo_EveryIntentOnceNewestFirst()
    {
        var expected = node.FilledInFirst.Append(node.Refunded).Append(node.Deferred).Append(node.FilledInSecond)
            .Select(i => i.IntentId.ToString()).Reverse().ToArray();

        var seen = await ReadAllAsync("/v1/intents?limit=2");

        Assert.Equal(expected, seen);
    }

    [Theory]
    [InlineData("filled", 6)]
    [InlineData("refunded", 1)]
    [InlineData("open", 1)]
    [InlineData("retracted", 0)]
    public async Task ListIntents_ByState_OnlyThatState(string state, int count)
    {
        var seen = await ReadAllAsync($"/v1/intents?state={state}&limit=3");

        Assert.Equal(count, seen.Count);
        foreach (var id in seen)
        {
            var intent = await node.GetJsonAsync($"/v1/intents/{id}");
            Assert.Equal(state, intent.GetProperty("state").GetString());
        }
    }

    [Fact]
    public async Task ListIntents_ByDepositorAndRecipient_OnlyTheirIntent()
    {
        var intent = node.FilledInFirst[2];

        var byDepositor = await ReadAllAsync($"/v1/intents?depositor={intent.Depositor}");
        var byRecipient = await ReadAllAsync($"/v1/intents?recipient={intent.Recipient}&state=filled");
        var byBoth = await ReadAllAsync($"/v1/intents?depositor={intent.Depositor}&recipient={node.Deferred.Recipient}");

        Assert.Equal([intent.IntentId.ToString()], byDepositor);
        Assert.Equal([intent.IntentId.ToString()], byRecipient);
        Assert.Empty(byBoth);
    }

    [Fact]
    public async Task ListIntents_DepositorAsEvmAddress_LeftPaddedTo32Bytes()
    {
        var intent = node.FilledInFirst[0];
        var address = "0x" + intent.Depositor.ToString()[26..];

        Assert.Equal([intent.IntentId.ToString()], await ReadAllAsync($"/v1/intents?depositor={address}"));
    }

    [Theory]
    [InlineData("/v1/intents?limit=-1", "limit")]
    [InlineData("/v1/intents?limit=0", "limit")]
    [InlineData("/v1/intents?depositor=0x1234", "depositor")]
    [InlineData("/v1/intents?depositor=1234567890123456789012345678901234567890", "depositor")]
    [InlineData("/v1/intents?recipient=0xzz34567890123456789012345678901234567890", "recipient")]
    [InlineData("/v1/intents?state=done", "state")]
    [InlineData("/v1/intents?state=2", "state")]
    [InlineData("/v1/intents?cursor=not-a-cursor", "cursor")]
    [InlineData("/v1/intents?cursor=ab!c", "cursor")]
    [InlineData("/v1/intents?cursor=%00%ff", "cursor")]
    [InlineData("/v1/intents?state=open,filled", "state")]
    public async Task ListIntents_BadParameter_400NamingIt(string path, string parameter) => await node.AssertProblemAsync(path, 400, parameter);

    [Fact]
    public async Task GetIntent_Deferred_StatusSaysHowOften()
    {
        var deferred = await node.GetJsonAsync($"/v1/intents/{node.Deferred.IntentId}");

        Assert.Equal("open, deferred 2 times", deferred.GetProperty("status").GetString());
        Assert.Empty(deferred.GetProperty("actions").EnumerateArray());
    }

    [Fact]
    public async Task GetIntent_Filled_ReleaseOnOriginPayoutOnDestinationWithTheirTransactions()
    {
        var intent = node.FilledInFirst[1];
        var record = (await node.Epochs.GetAsync(1, default))!;

        var view = await node.GetJsonAsync($"/v1/intents/{intent.IntentId}");

        Assert.Equal("filled in epoch 1", view.GetProperty("status").GetString());
        var actions = view.GetProperty("actions").EnumerateArray().ToArray();
        Assert.Equal(
            [("release", NodeWorld.ChainA.Value), ("payout", NodeWorld.ChainB.Value)],
            actions.Select(a => (a.GetProperty("kind").GetString(), a.GetProperty("chainId").GetUInt64())));
        Assert.Equal(intent.Recipient.ToString(), actions[1].GetProperty("account").GetString());
        foreach (var action in actions)
        {
            var chunk = record.Chunks.Single(c => c.ChainId.Value == action.GetProperty("chainId").GetUInt64() && c.Index == action.GetProperty("chunkIndex").GetUInt32());
            Assert.False(string.IsNullOrEmpty(chunk.TransactionId));
            Assert.Equal(chunk.TransactionId, action.GetProperty("transactionId").GetString());
            Assert.Equal("applied", action.GetProperty("chunkStage").GetString());
        }
    }

    [Fact]
    public async Task GetPools_AfterTwoEpochs_TheSecondEpochsMarginPerChain()
    {
        var pools = await node.GetJsonAsync("/v1/pools");

        Assert.Equal(2UL, pools.GetProperty("epochId").GetUInt64());
        var list = pools.GetProperty("pools").EnumerateArray().ToArray();
        Assert.Contains(list, p => p.GetProperty("chainId").GetUInt64() == NodeWorld.ChainA.Value);
        var deferredOutput = node.Deferred.MinOutputAmount.ToString();
        var destination = list.Single(p => p.GetProperty("chainId").GetUInt64() == NodeWorld.ChainB.Value);
        Assert.Equal(deferredOutput, destination.GetProperty("obligations").GetString());
        Assert.Equal(JsonValueKind.Number, destination.GetProperty("utilisationBps").ValueKind);
    }

    private async Task<List<string>> ReadAllAsync(string first)
    {
        var seen = new List<string>();
        string? next = first;
        for (var pages = 0; next is not null; pages++)
        {
            Assert.True(pages < 20, "paging does not end");
            var page = await node.GetJsonAsync(next);
            seen.AddRange(page.GetProperty("intents").EnumerateArray().Select(i => i.GetProperty("intentId").GetString()!));
            Assert.All(page.GetProperty("intents").EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("actions").ValueKind));
            next = page.GetProperty("next").GetString();
        }

        return seen;
    }
}
