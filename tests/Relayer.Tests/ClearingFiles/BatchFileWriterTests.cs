using System.Text;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Tests.ClearingFiles;

public class BatchFileWriterTests
{
    private static readonly string GoldenPath = Path.Combine(AppContext.BaseDirectory, "ClearingFiles", "Golden", "small-batch.json");

    [Fact]
    public void ToUtf8_SmallBatch_MatchesTheGoldenFileByteForByte()
    {
        var actual = BatchFileWriter.ToUtf8(SampleBatches.Small());
        var expected = File.ReadAllBytes(GoldenPath);

        Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ToUtf8_SameBatchTwice_GivesIdenticalBytes() =>
        Assert.Equal(BatchFileWriter.ToUtf8(SampleBatches.Small()), BatchFileWriter.ToUtf8(SampleBatches.Small()));

    [Fact]
    public void ToUtf8_AnyBatch_UsesLfTwoSpaceIndentAndATrailingNewline()
    {
        var text = Encoding.UTF8.GetString(BatchFileWriter.ToUtf8(SampleBatches.Small()));

        Assert.DoesNotContain('\r', text);
        Assert.EndsWith("}\n", text, StringComparison.Ordinal);
        Assert.StartsWith("{\n  \"epochId\": 7,\n  \"batchRoot\": \"0x", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\t', text);
    }

    [Fact]
    public void ToUtf8_U64AboveTwoPow53_IsWrittenAsADecimalString()
    {
        var text = Encoding.UTF8.GetString(BatchFileWriter.ToUtf8(SampleBatches.Small(epochId: 9007199254740993, secondChain: ulong.MaxValue)));

        Assert.Contains("\"epochId\": \"9007199254740993\"", text, StringComparison.Ordinal);
        Assert.Contains("\"chainId\": \"18446744073709551615\"", text, StringComparison.Ordinal);
        Assert.Contains("\"chainId\": 31337", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToUtf8_Amounts_AreDecimalStrings()
    {
        var text = Encoding.UTF8.GetString(BatchFileWriter.ToUtf8(SampleBatches.Small()));

        Assert.Contains("\"amount\": \"2498750000\"", text, StringComparison.Ordinal);
        Assert.Contains("\"amount\": \"0\"", text, StringComparison.Ordinal);
        Assert.Contains("\"paidOut\": \"2498750000000000000000\"", text, StringComparison.Ordinal);
        Assert.Contains("\"after\": \"2501250000\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrittenBatch_RoundTripsToTheSameBatchAndBytes()
    {
        var batch = SampleBatches.Small(epochId: 9007199254740993, secondChain: ulong.MaxValue);
        var bytes = BatchFileWriter.ToUtf8(batch);

        var read = BatchFileReader.Parse(bytes);

        Assert.Equal(batch.EpochId, read.EpochId);
        Assert.Equal(batch.BatchRoot, read.BatchRoot);
        Assert.Equal(batch.Legs.Select(l => (l.ChainId, l.LegHash, l.EpochId, l.BatchRoot)), read.Legs.Select(l => (l.ChainId, l.LegHash, l.EpochId, l.BatchRoot)));
        Assert.Equal(batch.Legs.SelectMany(l => l.Actions), read.Legs.SelectMany(l => l.Actions));
        Assert.Equal(batch.Prices, read.Prices);
        Assert.Equal(batch.Filled, read.Filled);
        Assert.Equal(batch.Refunded, read.Refunded);
        Assert.Equal(batch.Deferred, read.Deferred);
        Assert.Equal(batch.Stats.Assets, read.Stats.Assets);
        Assert.Equal(bytes, BatchFileWriter.ToUtf8(read));
    }

    [Fact]
    public void Parse_GoldenFile_HasRootsThatMatchItsActions()
    {
        var batch = BatchFileReader.Parse(File.ReadAllBytes(GoldenPath));

        foreach (var leg in batch.Legs)
        {
            Assert.Equal(MerkleTree.Root(SettlementLeaf.Hashes(leg.ChainId, batch.EpochId, leg.Actions)), leg.LegHash);
        }

        Assert.Equal(MerkleTree.Root([.. batch.Legs.Select(l => l.LegHash)]), batch.BatchRoot);
    }

    [Theory]
    [InlineData("{\"epochId\": 1}", "field 'batchRoot' is missing")]
    [InlineData("[]", "the document must be a JSON object")]
    [InlineData("{", "malformed JSON at line 1")]
    public void Parse_BadBatch_NamesTheProblem(string json, string expected)
    {
        var error = Assert.Throws<BatchFileException>(() => BatchFileReader.Parse(Encoding.UTF8.GetBytes(json)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownActionKind_NamesThePath()
    {
        var text = Encoding.UTF8.GetString(BatchFileWriter.ToUtf8(SampleBatches.Small())).Replace("\"payout\"", "\"teleport\"", StringComparison.Ordinal);

        var error = Assert.Throws<BatchFileException>(() => BatchFileReader.Parse(Encoding.UTF8.GetBytes(text)));
        Assert.StartsWith("legs[1].actions[0]: field 'kind': 'teleport'", error.Message, StringComparison.Ordinal);
    }
}
