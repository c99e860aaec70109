using System.Text;
using System.Text.Json.Nodes;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Tests.Cli;

/// <summary>
/// The clear command end to end on the samples. These need the real clearing engine: they assert what any
/// correct engine gives (docs/ARCHITECTURE.md's rules and invariants at the file level), never one engine's exact numbers.
/// </summary>
public sealed class ClearCommandTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    public static TheoryData<string> Samples => [.. TestFiles.SampleNames];

    public void Dispose() => _scratch.Dispose();

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Clear_Sample_WritesABatchWhoseRootsAndFatesAreConsistent(string sample)
    {
        var (result, batch, bytes) = await ClearSampleAsync(sample);
        var epoch = TestFiles.SampleJson(sample);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Equal((ulong)epoch["epochId"]!, batch.EpochId);
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.Equal((byte)'\n', bytes[^1]);

        // Roots: every leg hash is the Merkle root of its leaves, the batch root that of the leg hashes.
        Assert.Equal(batch.Legs.Select(l => l.ChainId).Order(), batch.Legs.Select(l => l.ChainId));
        foreach (var leg in batch.Legs)
        {
            Assert.Equal(MerkleTree.Root(SettlementLeaf.Hashes(leg.ChainId, batch.EpochId, leg.Actions)), leg.LegHash);
            Assert.Equal(leg.Actions.Order(Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)), leg.Actions);
        }

        Assert.Equal(MerkleTree.Root([.. batch.Legs.Select(l => l.LegHash)]), batch.BatchRoot);

        // Every intent ends in exactly one state; each list ascending.
        var ids = epoch["intents"]!.AsArray().Select(i => Bytes32.Parse((string)i!["intentId"]!)).ToHashSet();
        var fates = batch.Filled.Concat(batch.Refunded).Concat(batch.Deferred).ToList();
        Assert.Equal(fates.Count, fates.Distinct().Count());
        Assert.True(ids.SetEquals(fates));
        Assert.Equal(batch.Filled.Order(), batch.Filled);
        Assert.Equal(batch.Refunded.Order(), batch.Refunded);
        Assert.Equal(batch.Deferred.Order(), batch.Deferred);

        // Filled: released on the origin chain, paid at least the minimum to the recipient on the destination.
        foreach (var intent in epoch["intents"]!.AsArray().Select(i => i!.AsObject()))
        {
            var id = Bytes32.Parse((string)intent["intentId"]!);
            var origin = new ChainId((ulong)intent["originChainId"]!);
            var destination = new ChainId((ulong)intent["destinationChainId"]!);
            if (batch.Filled.Contains(id))
            {
                Assert.Single(Actions(batch, origin, ActionKind.Release, id));
                var payout = Assert.Single(Actions(batch, destination, ActionKind.Payout, id));
                Assert.Equal(Bytes32.Parse((string)intent["recipient"]!), payout.Account);
                Assert.Equal(Bytes32.Parse((string)intent["outputToken"]!), payout.Token);
                Assert.True(payout.Amount >= UInt256.Parse((string)intent["minOutputAmount"]!), $"payout {payout.Amount} below the minimum");
            }
            else
            {
                Assert.DoesNotContain(batch.Legs.SelectMany(l => l.Actions), a => a.IntentId == id && a.Kind is ActionKind.Release or ActionKind.Payout);
                var refunds = Actions(batch, origin, ActionKind.Refund, id);
                Assert.Equal(batch.Refunded.Contains(id) ? 1 : 0, refunds.Count);
            }
        }
    }

    [Fact]
    public async Task Clear_Transfer_FillsIt()
    {
        var (_, batch, _) = await ClearSampleAsync("transfer");

        Assert.Equal([Id("transfer", "transfer")], batch.Filled);
    }

    [Fact]
    public async Task Clear_Netting_FillsBothOppositeTransfers()
    {
        var (_, batch, _) = await ClearSampleAsync("netting");

        Assert.Equal(2, batch.Filled.Count);
        Assert.Empty(batch.Deferred);
    }

    [Fact]
    public async Task Clear_Swap_FillsAllAtOnePriceWithinTheSpreadBand()
    {
        var (_, batch, _) = await ClearSampleAsync("swap");

        Assert.Equal(3, batch.Filled.Count);
        var price = Assert.Single(batch.Prices);
        Assert.Equal(("ETH", "USDC"), (price.Base, price.Quote));
        // 3000 USDC per ETH +/- 30 bps, as a fraction of asset units: 2991 <= n/d <= 3009.
        Assert.InRange(price.Numerator * 10_000, price.Denominator * 3000 * 9_970, price.Denominator * 3000 * 10_030);
    }

    [Fact]
    public async Task Clear_Expired_RefundsTheExpiredIntentAndFillsTheOther()
    {
        var (_, batch, _) = await ClearSampleAsync("expired");

        Assert.Equal([Id("expired", "expired")], batch.Refunded);
        Assert.Equal([Id("expired", "transfer")], batch.Filled);
    }

    [Fact]
    public async Task Clear_Invalid_RefundsBothInvalidIntents()
    {
        var (_, batch, _) = await ClearSampleAsync("invalid");

        Assert.Equal(new[] { Id("invalid", "invalidOutput"), Id("invalid", "invalidInput") }.Order(), batch.Refunded);
        Assert.Equal([Id("invalid", "transfer")], batch.Filled);
    }

    [Fact]
    public async Task Clear_Deferral_DefersTheIntentThePoolCannotPay()
    {
        var (_, batch, _) = await ClearSampleAsync("deferral");

        // Exactly the big one waits: a clearing that deferred everything must not pass.
        Assert.Equal([Id("deferral", "deferredBig")], batch.Deferred);
        Assert.Equal([Id("deferral", "deferralSmall")], batch.Filled);
        Assert.Empty(batch.Refunded);
    }

    [Fact]
    public async Task Clear_Mixed_RefundsDefersAndPricesTheSwapPair()
    {
        var (result, batch, _) = await ClearSampleAsync("mixed");

        Assert.Equal(new[] { Id("mixed", "expired"), Id("mixed", "invalidOutput"), Id("mixed", "invalidInput") }.Order(), batch.Refunded);
        Assert.Equal([Id("mixed", "deferredBig")], batch.Deferred); // samples/README.md: one deferral
        Assert.Contains(Id("mixed", "transfer"), batch.Filled);
        Assert.Equal(("ETH", "USDC"), (batch.Prices.Single().Base, batch.Prices.Single().Quote));
        Assert.Equal([new ChainId(31337), new ChainId(900001)], batch.Legs.Select(l => l.ChainId));

        // The summary shows the counts, the price, every leg hash, the root and the output path.
        Assert.Contains($"batch root  {batch.BatchRoot}", result.Output, StringComparison.Ordinal);
        Assert.All(batch.Legs, leg => Assert.Contains(leg.LegHash.ToString(), result.Output, StringComparison.Ordinal));
        Assert.Contains(BatchFileWriter.PriceText(batch.Prices[0]), result.Output, StringComparison.Ordinal);
        Assert.Contains(Id("mixed", "deferredBig").ToString(), result.Output, StringComparison.Ordinal);
        Assert.Contains("written to  ", result.Output, StringComparison.Ordinal);

        // Each refund says why.
        Assert.Contains($"{Id("mixed", "expired")}  expired", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{Id("mixed", "invalidOutput")}  unknown-output-token", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{Id("mixed", "invalidInput")}  unknown-input-token", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"INTENTS\s+FILLED\s+REFUNDED\s+DEFERRED\n\s*11\s+\d+\s+3\s+\d+\n", result.Output);
    }

    [Fact]
    public async Task Clear_IntentsShuffled_WritesIdenticalBytes()
    {
        var (_, _, expected) = await ClearSampleAsync("mixed");
        var epoch = TestFiles.SampleJson("mixed");
        var reversed = new JsonArray([.. epoch["intents"]!.AsArray().Reverse().Select(i => i!.DeepClone())]);
        epoch["intents"] = reversed;
        var input = _scratch.File("shuffled.json");
        await File.WriteAllTextAsync(input, epoch.ToJsonString());

        var result = await CliRunner.RunAsync("clear", "--input", input, "--output", _scratch.File("shuffled-batch.json"), "--quiet");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, await File.ReadAllBytesAsync(_scratch.File("shuffled-batch.json")));
    }

    [Fact]
    public async Task Clear_Quiet_PrintsNothing()
    {
        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("transfer"), "--output", _scratch.File("batch.json"), "--quiet");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Clear_OverAnExistingOutput_ReplacesItAndLeavesNoTemporaryFile()
    {
        var output = _scratch.File("batch.json");
        await File.WriteAllTextAsync(output, "old\n");

        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("mixed"), "--output", output, "--quiet");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["batch.json"], _scratch.FileNames());
        Assert.NotEqual("old\n", await File.ReadAllTextAsync(output));
    }

    [Fact]
    public async Task Clear_CheckAgainstItsOwnOutput_ExitsZero()
    {
        var (_, _, _) = await ClearSampleAsync("mixed");

        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("mixed"), "--check", _scratch.File("mixed-batch.json"));

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("identical", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clear_CheckAgainstAnAlteredBatch_ExitsThreeAndWritesNothing()
    {
        var (_, batch, bytes) = await ClearSampleAsync("mixed");
        var altered = Encoding.UTF8.GetString(bytes).Replace(batch.BatchRoot.ToString(), "0x" + new string('0', 64), StringComparison.Ordinal);
        var check = _scratch.File("altered.json");
        await File.WriteAllTextAsync(check, altered);
        var output = _scratch.File("never.json");

        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("mixed"), "--check", check, "--output", output);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("does not match the recomputed batch", result.Error, StringComparison.Ordinal);
        Assert.Contains(batch.BatchRoot.ToString(), result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public async Task Clear_OutputDirectoryMissing_ExitsOneAndWritesNothing()
    {
        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample("transfer"), "--output", _scratch.File(Path.Combine("missing", "batch.json")));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot write", result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    private async Task<(CliResult Result, SettlementBatch Batch, byte[] Bytes)> ClearSampleAsync(string sample)
    {
        var output = _scratch.File(sample + "-batch.json");
        var result = await CliRunner.RunAsync("clear", "--input", TestFiles.Sample(sample), "--output", output);
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        var bytes = await File.ReadAllBytesAsync(output);
        return (result, BatchFileReader.Parse(bytes), bytes);
    }

    private static List<SettlementAction> Actions(SettlementBatch batch, ChainId chain, ActionKind kind, Bytes32 intentId) =>
        [.. batch.Legs.Where(l => l.ChainId == chain).SelectMany(l => l.Actions).Where(a => a.Kind == kind && a.IntentId == intentId)];

    private static Bytes32 Id(string sample, string noteKey) =>
        Bytes32.Parse((string)TestFiles.SampleIntent(TestFiles.SampleJson(sample), noteKey)["intentId"]!);
}
