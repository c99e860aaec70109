using Microsoft.Extensions.Configuration;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Solana.Tests.Configuration;

public sealed class SolanaClusterOptionsValidatorTests
{
    [Fact]
    public void Validate_GoodOptions_Succeeds() =>
        Assert.True(new SolanaClusterOptionsValidator().Validate("devnet", Good()).Succeeded);

    [Theory]
    [InlineData("Rpc:Url")]
    [InlineData("ChainId")]
    [InlineData("ProgramId")]
    [InlineData("Commitment")]
    [InlineData("PollInterval")]
    [InlineData("ReconcileInterval")]
    [InlineData("ComputeUnitLimit")]
    [InlineData("SignaturePageSize")]
    [InlineData("MaxReleasesPerChunk")]
    [InlineData("MaxTransfersPerChunk")]
    [InlineData("LookupTable")]
    [InlineData("MaxComputeUnitPrice")]
    [InlineData("PriorityFeePercentile")]
    [InlineData("ComputeUnitMarginPercent")]
    public void Validate_BadKey_MessageNamesTheKey(string key)
    {
        var options = Good();
        switch (key)
        {
            case "Rpc:Url": options.Rpc.Url = new Uri("ftp://example.org"); break;
            case "ChainId": options.ChainId = 0; break;
            case "ProgramId": options.ProgramId = "not-base58-0OIl"; break;
            case "Commitment": options.Commitment = Commitment.Processed; break;
            case "PollInterval": options.PollInterval = TimeSpan.Zero; break;
            case "ReconcileInterval": options.ReconcileInterval = TimeSpan.FromHours(2); break;
            case "ComputeUnitLimit": options.ComputeUnitLimit = 2_000_000; break;
            case "MaxReleasesPerChunk": options.MaxReleasesPerChunk = 0; break;
            case "MaxTransfersPerChunk": options.MaxTransfersPerChunk = 33; break;
            case "LookupTable": options.LookupTable = "table-0OIl"; break;
            case "MaxComputeUnitPrice": options.ComputeUnitPrice = 10; options.MaxComputeUnitPrice = 5; break;
            case "PriorityFeePercentile": options.PriorityFeePercentile = 101; break;
            case "ComputeUnitMarginPercent": options.ComputeUnitMarginPercent = -1; break;
            default: options.SignaturePageSize = 5000; break;
        }

        var ex = Assert.Throws<OptionsValidationException>(() => SolanaClusterOptionsValidator.ThrowIfInvalid("devnet", options));
        Assert.Contains($"Solana:Clusters:devnet:{key}", Assert.Single(ex.Failures));
    }

    [Fact]
    public void Validate_MissingRpcUrlAndProgram_ReportsBoth()
    {
        var result = new SolanaClusterOptionsValidator().Validate("x", new SolanaClusterOptions { ChainId = 1 });
        Assert.Contains(result.Failures!, f => f.Contains(":Rpc:Url"));
        Assert.Contains(result.Failures!, f => f.Contains(":ProgramId"));
    }

    private static SolanaClusterOptions Good() => new()
    {
        Rpc = new() { Url = new Uri("https://api.devnet.solana.com") },
        ChainId = 900001,
        ProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw",
        Commitment = Commitment.Finalized,
    };
}

public sealed class SolanaClusterTests
{
    [Fact]
    public void Create_InvalidOptions_ThrowsBeforeAnyIo()
    {
        using var http = new HttpClient();
        var ex = Assert.Throws<OptionsValidationException>(() => SolanaCluster.Create("mainnet", new SolanaClusterOptions { ChainId = 5 }, http));
        Assert.Contains(ex.Failures, f => f.StartsWith("Solana:Clusters:mainnet:Rpc:Url", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_ValidOptions_ExposesEscrowAndChain()
    {
        using var http = new HttpClient();
        var cluster = SolanaCluster.Create("devnet", new SolanaClusterOptions
        {
            Rpc = new() { Url = new Uri("http://127.0.0.1:8899") },
            ChainId = 900001,
            ProgramId = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw",
        }, http);
        Assert.Equal(new ChainId(900001), cluster.ChainId);
        Assert.Equal("CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw", Solana.Codec.Base58.EncodeKey(cluster.Escrow.ProgramId));
    }
}
