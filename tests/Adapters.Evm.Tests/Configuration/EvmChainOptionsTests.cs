using DiscreteExec.Adapters.Evm.Configuration;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Evm.Tests.Configuration;

public class EvmChainOptionsTests
{
    private static EvmChainOptions Valid() => new()
    {
        Rpc = new() { Url = new Uri("https://rpc.example.org/") },
        ChainId = 11155111,
        EscrowAddress = "0x5FbDB2315678afecb367f032d93F642f64180aa3",
    };

    [Fact]
    public void Validate_Defaults_Pass() => Valid().Validate("Chains:Evm:Sepolia");

    [Fact]
    public void Validate_BadChecksumAndMissingUrl_NameEachKey()
    {
        var options = Valid();
        options.Rpc.Url = null;
        options.EscrowAddress = "0x5fbDB2315678afecb367f032d93F642f64180aa3";
        var error = Assert.Throws<OptionsValidationException>(() => options.Validate("Chains:Evm:Sepolia"));
        Assert.Contains(error.Failures, f => f.StartsWith("Chains:Evm:Sepolia:Rpc:Url:", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Chains:Evm:Sepolia:EscrowAddress:", StringComparison.Ordinal) && f.Contains("EIP-55", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_QuorumAboveEndpointsOrRepeatedUrl_NameTheKey()
    {
        var options = Valid();
        options.Rpc.Urls.Add(new Uri("https://rpc.example.org/"));
        options.Rpc.Quorum = 3;
        var error = Assert.Throws<OptionsValidationException>(() => options.Validate("Chains:Evm:Sepolia"));
        Assert.Contains(error.Failures, f => f.StartsWith("Chains:Evm:Sepolia:Rpc:Urls: each endpoint may be listed once", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Chains:Evm:Sepolia:Rpc:Quorum: 3 is more than the 1 configured endpoint(s)", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 4)]
    [InlineData(1, 3)]
    public void Validate_QuorumNotAMajority_NameTheKey(int quorum, int endpoints)
    {
        var options = Valid();
        for (var i = 1; i < endpoints; i++)
        {
            options.Rpc.Urls.Add(new Uri($"https://rpc-{i}.example.org/"));
        }

        options.Rpc.Quorum = quorum;
        var error = Assert.Throws<OptionsValidationException>(() => options.Validate("Chains:Evm:Sepolia"));
        Assert.Contains(error.Failures, f => f.StartsWith($"Chains:Evm:Sepolia:Rpc:Quorum: {quorum} of {endpoints} endpoints is not a majority", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_QuorumAMajorityOrZero_Accepted()
    {
        var options = Valid();
        options.Rpc.Urls.Add(new Uri("https://rpc-1.example.org/"));
        options.Rpc.Urls.Add(new Uri("https://rpc-2.example.org/"));
        options.Rpc.Quorum = 2;
        options.Validate("Chains:Evm:Sepolia");
        options.Rpc.Quorum = 0;
        options.Validate("Chains:Evm:Sepolia");
    }

    [Fact]
    public void Validate_OutOfRangeValues_NameTheKeyAndTheRange()
    {
        var options = Valid();
        options.ConfirmationDepth = -1;
        options.ChainId = 0;
        options.FeeBumpPercent = 5;
        var failures = new EvmChainOptionsValidator("Evm").Validate(null, options).Failures!.ToArray();
        Assert.Contains(failures, f => f.StartsWith("Evm:ConfirmationDepth:", StringComparison.Ordinal) && f.Contains("between 0 and 10000", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Evm:ChainId:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Evm:FeeBumpPercent:", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_FeeAndGasKeysOutOfRange_NameTheKey()
    {
        var options = Valid();
        options.TipPercentile = 101;
        options.FeeHistoryBlocks = 0;
        options.BaseFeeHeadroomPercent = -1;
        options.GasLimitMarginPercent = 201;
        options.MaxBlockGasSharePercent = 0;
        var failures = new EvmChainOptionsValidator("Evm").Validate(null, options).Failures!.ToArray();
        foreach (var key in new[] { "TipPercentile", "FeeHistoryBlocks", "BaseFeeHeadroomPercent", "GasLimitMarginPercent", "MaxBlockGasSharePercent" })
        {
            Assert.Contains(failures, f => f.StartsWith($"Evm:{key}:", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Validate_CrossFieldRules_NameTheKey()
    {
        var options = Valid();
        options.MaxPriorityFeePerGasWei = options.MaxFeePerGasWei + 1;
        options.MaxGasPerChunk = 100_000;
        options.Rpc.Url = new Uri("ws://localhost:8546/");
        options.ReconcileInterval = options.PollInterval / 2;
        var failures = new EvmChainOptionsValidator("Evm").Validate(null, options).Failures!.ToArray();
        Assert.Contains(failures, f => f.StartsWith("Evm:MaxPriorityFeePerGasWei:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Evm:MaxGasPerChunk:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Evm:Rpc:Url:", StringComparison.Ordinal) && f.Contains("http", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Evm:ReconcileInterval:", StringComparison.Ordinal) && f.Contains("PollInterval", StringComparison.Ordinal));
    }

    [Fact]
    public void ChunkLimits_Defaults_325ReleasesAnd69Transfers()
    {
        // (5,000,000 - 120,000) / 15,000 and / 70,000: the measured ~10k per Release and ~52-58k per transfer, with margin.
        Assert.Equal(new DiscreteExec.Core.Settlement.ChunkLimits(325, 69), Valid().ChunkLimits);
    }

    [Fact]
    public void Validate_GasPerReleaseAboveTheBudget_NamesMaxGasPerChunk()
    {
        var options = Valid();
        options.GasPerRelease = 4_900_000;
        var failures = new EvmChainOptionsValidator("Evm").Validate(null, options).Failures!.ToArray();
        Assert.Contains(failures, f => f.StartsWith("Evm:MaxGasPerChunk:", StringComparison.Ordinal) && f.Contains("GasPerRelease 4900000", StringComparison.Ordinal));
    }
}
