using System.Globalization;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Settlement;
using Xunit.Abstractions;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>
/// v0 settlement over the escrow's address lookup table on the dev node (LiteSVM runs the built-in Address Lookup
/// Table program): the submitter creates the table, extends it with each chunk's accounts, waits the slot until they
/// are usable, simulates for the compute limit and prices from recent prioritization fees.
/// </summary>
[Collection(DevnodeTests.Name)]
[Trait("Category", "Integration")]
public sealed class LookupTableIntegrationTests(DevnodeFixture node, ITestOutputHelper output)
{
    // The goal: a 20-Payout leg to fresh recipients (every token account created in the settle transaction)
    // in at most 3 transactions, 8 Payouts per transaction (the payer is one of the 2 attestors: 2 signatures).
    [Fact]
    public async Task SubmitAsync_TwentyPayoutsToFreshRecipients_ThreeV0TransactionsOfUpToEightPayouts()
    {
        var scenario = await LegScenario.CreateAsync(node, "alt20", epoch: 201, releases: 0, refunds: 0, payouts: 20, withdraw: false);
        var before = await node.PoolAsync();
        var options = node.Options();
        options.LookupTable = SolanaClusterOptions.AutoLookupTable;
        options.MaxTransfersPerChunk = 8;
        var submitter = Submitter(options);
        var chunks = LegScenario.Plan(scenario.Leg, submitter);
        Assert.Equal([8, 8, 4], chunks.Select(c => c.Actions.Count));

        var results = new List<ChunkSubmission>();
        var rows = new List<string>();
        foreach (var chunk in chunks)
        {
            var built = await submitter.BuildAsync(chunk, createAccounts: true, default);
            var result = await submitter.SubmitAsync(chunk, default);
            results.Add(result);
            var total = await ConsumedAsync(result.TransactionId!);
            var wire = await WireSizeAsync(result.TransactionId!);
            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {chunk.Actions.Count}, {chunk.Actions.Count} accounts created | {wire} | {total} | {total / (ulong)chunk.Actions.Count} | {built.ComputeUnits} | {built.EstimatedUnits} |"));
            Assert.InRange(wire, 1, Transaction.MaxSize);
            Assert.InRange((ulong)built.ComputeUnits, total, ChunkTransactionBuilder.MaxComputeUnits);
            Assert.True(built.ComputeUnits < built.EstimatedUnits, $"the simulated limit {built.ComputeUnits} is below the static estimate {built.EstimatedUnits}");
        }

        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.Equal(ChunkSubmissionOutcome.Applied, r.Outcome));
        var after = await scenario.BalancesAsync(node);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), after.Payouts);
        Assert.Equal(before.Pool - scenario.Payouts.Aggregate(0ul, (s, p) => s + p.Amount), after.Pool.Pool);

        // The same 8 recipients paid again (their token accounts exist now): the Settle alone, per Payout.
        var again = await LegScenario.CreateAsync(node, "alt20-again", epoch: 204, releases: 0, refunds: 0, payouts: 8, withdraw: false, recipientLabel: "alt20");
        var againChunk = Assert.Single(LegScenario.Plan(again.Leg, submitter));
        var againBuilt = await submitter.BuildAsync(againChunk, createAccounts: true, default);
        Assert.Equal(3, againBuilt.Instructions.Count); // limit, price, Settle: nothing to create
        var againResult = await submitter.SubmitAsync(againChunk, default);
        var againUnits = await ConsumedAsync(againResult.TransactionId!);
        var againWire = await WireSizeAsync(againResult.TransactionId!);
        rows.Add(string.Create(CultureInfo.InvariantCulture, $"| 8, accounts exist | {againWire} | {againUnits} | {againUnits / 8} | {againBuilt.ComputeUnits} | {againBuilt.EstimatedUnits} |"));
        Assert.True(againUnits <= 8 * 15_000, $"{againUnits} CU for 8 Payouts");
        Assert.InRange(againWire, 1, Transaction.MaxSize);
        output.WriteLine("| Payouts | tx bytes | CU consumed | CU per Payout | CU limit requested | static estimate |");
        rows.ForEach(output.WriteLine);

        // One table for the escrow: it holds the fixed accounts and every chunk's, and is reused by the next leg.
        var table = submitter.LookupTable!;
        var state = LookupTableState.Decode((await node.Rpc.GetAccountInfoAsync(table.Address, Commitment.Confirmed, default))!.Data);
        Assert.Equal(node.Signers[0].PublicKey, state.Authority);
        Assert.Contains(node.Escrow.Config, state.Addresses);
        Assert.Contains(node.Escrow.VaultAddress(node.Mint), state.Addresses);
        Assert.Equal(state.Addresses.Count, state.Addresses.Distinct().Count());
        Assert.Equal(7 + 3 + (20 * 4) + 1 + 8, state.Addresses.Count); // fixed, receipts, per recipient; then the repeat chunk's receipt and paid markers
        foreach (var r in results)
        {
            var tx = Transaction.Deserialize(await WireAsync(r.TransactionId!));
            Assert.Equal(MessageVersion.V0, tx.Message.Version);
            Assert.Equal(table.Address, Assert.Single(tx.Message.AddressTableLookups).TableAddress);
        }

        var next = await LegScenario.CreateAsync(node, "alt20b", epoch: 202, releases: 0, refunds: 0, payouts: 3, withdraw: false);
        await LegScenario.SubmitLegAsync(submitter, next.Leg);
        Assert.Equal(table.Address, submitter.LookupTable!.Address);
        Assert.Equal(next.Payouts.Select(p => p.Amount), (await next.BalancesAsync(node)).Payouts);

        // Another process configured with the table's address uses it as is.
        options.LookupTable = Base58.EncodeKey(table.Address);
        var restarted = Submitter(options);
        var third = await LegScenario.CreateAsync(node, "alt20c", epoch: 203, releases: 0, refunds: 0, payouts: 2, withdraw: false);
        await LegScenario.SubmitLegAsync(restarted, third.Leg);
        Assert.Equal(table.Address, restarted.LookupTable!.Address);
        Assert.Equal(third.Payouts.Select(p => p.Amount), (await third.BalancesAsync(node)).Payouts);
    }

    // A table holds 256 addresses: the chunk that would overflow it gets a fresh table (with the fixed accounts
    // again) and the leg carries on.
    [Fact]
    public async Task SubmitAsync_TableFull_AutoCreatesAFreshTableAndCarriesOn()
    {
        var scenario = await LegScenario.CreateAsync(node, "altfull", epoch: 205, releases: 0, refunds: 0, payouts: 64, withdraw: false);
        var options = node.Options();
        options.LookupTable = SolanaClusterOptions.AutoLookupTable;
        options.MaxTransfersPerChunk = 8;
        var submitter = Submitter(options);
        var tables = new List<Bytes32>();
        foreach (var chunk in LegScenario.Plan(scenario.Leg, submitter))
        {
            Assert.Equal(ChunkSubmissionOutcome.Applied, (await submitter.SubmitAsync(chunk, default)).Outcome);
            tables.Add(submitter.LookupTable!.Address);
        }

        Assert.Equal(8, tables.Count);
        Assert.Equal(7, tables.Count(t => t == tables[0])); // 40 + 6 x 33 = 238 addresses; the 8th chunk's 33 do not fit
        Assert.NotEqual(tables[0], tables[^1]);
        Assert.Equal(7 + 1 + 32, submitter.LookupTable!.Addresses.Count);
        Assert.Equal(scenario.Payouts.Select(p => p.Amount), (await scenario.BalancesAsync(node)).Payouts);
    }

    // The priority fee follows the chosen percentile of recent fees paid writing the chunk's pool, within the bounds.
    [Fact]
    public async Task PriceAsync_FollowsRecentFeesOnThePoolWithinTheBounds()
    {
        using var funder = DevnodeFixture.Key("alt-fee-funder");
        await node.FundSolAsync(funder.PublicKey);
        var ata = await node.MintToAsync(funder.PublicKey, 1_000_000);

        // A slot of its own: a validator reports each slot's lowest fee, and earlier tests' settlements pay 1. The dev
        // node makes a slot every 100 ms on its own, so the newest slot read here may be behind by the time the warp
        // arrives (a loaded machine once took a full slot between the two calls): warp well ahead, and read again if
        // the node went past even that.
        for (var attempt = 1; ; attempt++)
        {
            var slot = await node.Rpc.GetSlotAsync(Commitment.Processed, default);
            try
            {
                await node.Rpc.CallAsync("devnode_warpSlot", w => w.WriteNumberValue(slot + 10), r => 0, default);
                break;
            }
            catch (JsonRpcException e) when (attempt < 5 && e.Message.Contains("is not after the current slot", StringComparison.Ordinal))
            {
                // The node passed slot + 10 meanwhile: read the slot again.
            }
        }

        await node.SendAsync([ComputeBudgetProgram.SetComputeUnitPrice(4_321), node.Escrow.Fund(funder.PublicKey, ata, node.Mint, 1_000)], funder);
        var chunk = new SettlementChunk(new ChainId(DevnodeFixture.ChainIdValue), 299, 0, Bytes32.FromUInt64(1), ChunkStage.Transfer, [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(7), node.Mint, Bytes32.FromUInt64(8), 1)]);
        var options = node.Options();
        options.PriorityFeePercentile = 100;
        Assert.Equal(4_321ul, await Submitter(options).PriceAsync(chunk, default));
        options.MaxComputeUnitPrice = 3_000;
        Assert.Equal(3_000ul, await Submitter(options).PriceAsync(chunk, default));
        options.MaxComputeUnitPrice = 0;
        Assert.Equal(options.ComputeUnitPrice, await Submitter(options).PriceAsync(chunk, default));
    }

    private ChunkSubmitter Submitter(SolanaClusterOptions options) =>
        new(node.Rpc, options, new LocalKeypairSigner(node.Signers[0]), [new LocalKeypairSigner(node.Signers[0]), new LocalKeypairSigner(node.Signers[1])]);

    private async Task<byte[]> WireAsync(string signature)
    {
        return await node.Rpc.CallAsync("getTransaction", w =>
        {
            w.WriteStringValue(signature);
            w.WriteStartObject();
            w.WriteString("encoding", "base64");
            w.WriteNumber("maxSupportedTransactionVersion", 0);
            w.WriteEndObject();
        }, r => Convert.FromBase64String(r.GetProperty("transaction")[0].GetString()!), default);
    }

    private async Task<int> WireSizeAsync(string signature) => (await WireAsync(signature)).Length;

    // meta.computeUnitsConsumed: the whole transaction (the escrow and its CPIs, the ATA creations, the budget).
    private async Task<ulong> ConsumedAsync(string signature) =>
        await node.Rpc.CallAsync("getTransaction", w =>
        {
            w.WriteStringValue(signature);
            w.WriteStartObject();
            w.WriteString("encoding", "json");
            w.WriteNumber("maxSupportedTransactionVersion", 0);
            w.WriteEndObject();
        }, r => r.GetProperty("meta").GetProperty("computeUnitsConsumed").GetUInt64(), default);
}
