using System.Text;
using System.Text.Json.Nodes;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;
using DiscreteExec.TestSupport;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// A "blockhash storm" on the dev node: the RPC forwards each sendTransaction (so the transaction lands) and then
/// answers "Transaction simulation failed: Blockhash not found". The submitter must find what landed — the chunk's
/// receipt, a lookup table extension or creation — instead of sending it again.
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class BlockhashStormIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    // The chaos run's failure: extensions that landed but were reported failed were sent again and again from a stale
    // view of the table, which filled up with duplicates until every extension was refused (InvalidInstructionData:
    // the table would exceed 256 addresses), long after the storm.
    [Fact]
    public async Task SubmitAsync_StormWhileExtendingTheTable_RecognisesLandedExtensionsAndAppliesEachChunkOnce()
    {
        var scenario = await LegScenario.CreateAsync(node, "storm-ext", epoch: 601, releases: 0, refunds: 0, payouts: 24, withdraw: false);
        await using var proxy = new FaultInjectingProxy(node.RpcUrl, seed: 601, faultRate: 0, slowDelay: TimeSpan.Zero);
        var storm = new BlockhashStorm(withErrorData: false);
        proxy.RewriteResponse = storm.Rewrite;
        var options = Options(proxy.Url);
        using var http = new HttpClient();
        var submitter = Submitter(new SolanaRpcClient(http, options), options);
        var chunks = LegScenario.Plan(scenario.Leg, submitter);
        Assert.Equal([8, 8, 8], chunks.Select(c => c.Actions.Count));

        Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunks[0], default)).Outcome);
        var table = submitter.LookupTable!.Address;

        storm.Remaining = 10; // more than enough failed extensions to overflow a 256-address table
        var attempts = new List<int>();
        foreach (var chunk in chunks.Skip(1))
        {
            attempts.Add(await SubmitLikeThePipelineAsync(submitter, chunk));
        }

        output.WriteLine($"storm answers {storm.Answered}, attempts per chunk {string.Join(", ", attempts)}");
        Assert.True(storm.Answered >= 4, $"the storm answered {storm.Answered} sends"); // per chunk: 2 extensions and the Settle
        Assert.All(attempts, a => Assert.Equal(1, a));
        var state = LookupTableState.Decode((await node.Rpc.GetAccountInfoAsync(table, Commitment.Confirmed, default))!.Data);
        Assert.Equal(table, submitter.LookupTable!.Address);
        Assert.Equal(state.Addresses.Count, state.Addresses.Distinct().Count());
        Assert.Equal(7 + (3 * 33), state.Addresses.Count);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    // The table's creation lands but is reported failed: the submitter adopts that table instead of creating another
    // (or, the program's creation being idempotent, sending the creation's extension again).
    [Theory]
    [InlineData(false, 602)]
    [InlineData(true, 605)]
    public async Task SubmitAsync_StormWhileCreatingTheTable_AdoptsTheLandedTable(bool withErrorData, ulong epoch)
    {
        var scenario = await LegScenario.CreateAsync(node, $"storm-create-{epoch}", epoch, releases: 0, refunds: 0, payouts: 8, withdraw: false);
        await using var proxy = new FaultInjectingProxy(node.RpcUrl, seed: (int)epoch, faultRate: 0, slowDelay: TimeSpan.Zero);
        var storm = new BlockhashStorm(withErrorData) { Remaining = 1 };
        proxy.RewriteResponse = storm.Rewrite;
        var options = Options(proxy.Url);
        using var http = new HttpClient();
        var submitter = Submitter(new SolanaRpcClient(http, options), options);
        var chunk = Assert.Single(LegScenario.Plan(scenario.Leg, submitter));

        var result = await submitter.SubmitAsync(chunk, default);

        var create = Transaction.Deserialize(Assert.Single(storm.StormedSends));
        var createdTable = create.Message.StaticAccountKeys[create.Message.Instructions[0].AccountIndexes[0]];
        Assert.Equal(AddressLookupTableProgram.ProgramId, create.Message.StaticAccountKeys[create.Message.Instructions[0].ProgramIdIndex]);
        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal(createdTable, submitter.LookupTable!.Address);
        var state = LookupTableState.Decode((await node.Rpc.GetAccountInfoAsync(createdTable, Commitment.Confirmed, default))!.Data);
        Assert.Equal(state.Addresses.Count, state.Addresses.Distinct().Count()); // the creation's extension was not sent again
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    // The Settle itself lands and is reported "Blockhash not found" (as the chaos proxy answers, without the error's
    // data, and as a validator answers, with it): the submitter finds it landed and reports it applied by that transaction.
    [Theory]
    [InlineData(false, 603)]
    [InlineData(true, 604)]
    public async Task SubmitAsync_SettleLandsButAnsweredBlockhashNotFound_ReportsItAppliedByThatTransaction(bool withErrorData, ulong epoch)
    {
        var scenario = await LegScenario.CreateAsync(node, $"storm-settle-{epoch}", epoch, releases: 0, refunds: 0, payouts: 1, withdraw: false);
        await using var proxy = new FaultInjectingProxy(node.RpcUrl, seed: (int)epoch, faultRate: 0, slowDelay: TimeSpan.Zero);
        var storm = new BlockhashStorm(withErrorData) { Remaining = 1 };
        proxy.RewriteResponse = storm.Rewrite;
        var options = node.Options(proxy.Url);
        using var http = new HttpClient();
        var submitter = Submitter(new SolanaRpcClient(http, options), options);
        var chunk = Assert.Single(LegScenario.Plan(scenario.Leg, submitter));

        var result = await submitter.SubmitAsync(chunk, default);

        var landed = Transaction.Deserialize(Assert.Single(storm.StormedSends)).Id;
        Assert.Equal((ChunkSubmissionOutcome.Applied, landed), (result.Outcome, result.TransactionId));
        var touching = await node.Rpc.GetSignaturesForAddressAsync(node.Escrow.ReceiptAddress(epoch, chunk.Index), new SignaturePage(null, null, 100), Commitment.Confirmed, default);
        Assert.Equal(landed, Assert.Single(touching).Signature);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    /// <summary>Submits as the node's chunk pipeline does: again after a failure, a bounded number of times; returns the attempts it took.</summary>
    private async Task<int> SubmitLikeThePipelineAsync(ChunkSubmitter submitter, SettlementChunk chunk)
    {
        const int MaxAttempts = 20;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await submitter.SubmitAsync(chunk, default);
                return attempt;
            }
            catch (ChainRpcException ex) when (attempt < MaxAttempts)
            {
                output.WriteLine($"chunk {chunk.Index} attempt {attempt}: {ex.Message}");
            }
            catch (ChunkSubmissionException ex) when (attempt < MaxAttempts)
            {
                output.WriteLine($"chunk {chunk.Index} attempt {attempt}: {ex.Message} {string.Join(" | ", ex.Logs)}");
            }
        }
    }

    private SolanaClusterOptions Options(Uri rpcUrl)
    {
        var options = node.Options(rpcUrl);
        options.LookupTable = SolanaClusterOptions.AutoLookupTable;
        options.MaxTransfersPerChunk = 8;
        return options;
    }

    private ChunkSubmitter Submitter(ISolanaRpc rpc, SolanaClusterOptions options) =>
        new(rpc, options, new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]);

    /// <summary>
    /// Rewrites the answers of the next <see cref="Remaining"/> sendTransaction calls (after the node has taken them) to
    /// -32002 "Blockhash not found": bare, as the chaos proxy answers, or with the runtime error as a validator's preflight does.
    /// </summary>
    private sealed class BlockhashStorm(bool withErrorData)
    {
        private readonly Lock _gate = new();
        private int _remaining;

        public int Remaining
        {
            get { lock (_gate) { return _remaining; } }
            set { lock (_gate) { _remaining = value; } }
        }

        public int Answered => StormedSends.Count;

        /// <summary>The wire transactions whose answers were rewritten, in order.</summary>
        public List<byte[]> StormedSends { get; } = [];

        public byte[] Rewrite(byte[] request, byte[] response)
        {
            if (JsonNode.Parse(request) is not JsonObject call || call["method"]?.GetValue<string>() != "sendTransaction")
            {
                return response;
            }

            lock (_gate)
            {
                if (_remaining == 0)
                {
                    return response;
                }

                _remaining--;
                StormedSends.Add(Convert.FromBase64String(call["params"]![0]!.GetValue<string>()));
            }

            var error = new JsonObject { ["code"] = -32002, ["message"] = "Transaction simulation failed: Blockhash not found" };
            if (withErrorData)
            {
                error["data"] = new JsonObject { ["err"] = "BlockhashNotFound", ["logs"] = new JsonArray(), ["accounts"] = null, ["unitsConsumed"] = 0, ["returnData"] = null };
            }

            return Encoding.UTF8.GetBytes(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = call["id"]?.DeepClone(), ["error"] = error }.ToJsonString());
        }
    }
}
