using System.Collections;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Node.Configuration;

public sealed class DevnetNodeConfigTests : IDisposable
{
    private readonly ScratchDirectory _scratch = new();

    private string Directory => _scratch.Path;

    public void Dispose() => _scratch.Dispose();

    private static DevnetChains Chains() => new(
        new Uri("http://127.0.0.1:8545/"),
        EvmDevChain.ChainIdValue,
        "0x5fbdb2315678afecb367f032d93f642f64180aa3",
        3,
        "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512",
        Convert.FromHexString(EvmDevChain.AnvilAccount0[2..]),
        [.. EvmDevChain.SignerLabels.Select(DevnetKeys.Derive)],
        new Uri("http://127.0.0.1:8899/"),
        SolanaDevChain.ChainIdValue,
        "11111111111111111111111111111111",
        "So11111111111111111111111111111111111111112",
        DevnetKeys.Derive(SolanaDevChain.AdminLabel),
        [.. SolanaDevChain.SignerLabels.Select(DevnetKeys.Derive)]);

    [Fact]
    public void Write_ThenLoad_RoundTripsThroughValidation()
    {
        var path = DevnetNodeConfig.Write(Chains(), Directory);

        var loaded = NodeOptionsLoader.Load(path, new Hashtable());

        Assert.Equal(Directory, loaded.Options.Node.DataDirectory);
        Assert.Equal([(DevnetNodeConfig.EvmChainName, ChainKind.Evm, 31337ul), (DevnetNodeConfig.SolanaChainName, ChainKind.Solana, 900001ul)], loaded.Chains.Select(c => (c.Name, c.Kind, c.Options.ChainId)));
        Assert.Equal(new Uri("http://127.0.0.1:8545/"), loaded.Chains[0].Evm!.Rpc.Url);
        Assert.Equal(3, loaded.Chains[0].Evm!.StartBlock);
        Assert.Equal(PriceFeedKind.RandomWalk, loaded.Options.PriceFeed.Kind);
        Assert.Equal(3, loaded.Options.Chains[1].Keys.Attestors.Count);
    }

    [Fact]
    public void Write_KeyFiles_HoldTheDevnetsKeysReadableByTheOwnerOnly()
    {
        var path = DevnetNodeConfig.Write(Chains(), Directory);
        var loaded = NodeOptionsLoader.Load(path, new Hashtable());
        var keys = loaded.Options.Chains;

        // Read as the adapters read them: the node's Keys section mapped onto each adapter's Payer.
        Assert.Equal(EvmDevChain.AnvilAccount0, loaded.Chains[0].Evm!.Payer!.Read());
        using var payer = SolanaKeypair.FromCliKeypairJson(loaded.Chains[1].Solana!.Payer!.Read());
        using var expected = SolanaKeypair.FromSeed(DevnetKeys.Derive(SolanaDevChain.AdminLabel));
        Assert.Equal(expected.PublicKey, payer.PublicKey);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keys[0].Keys.Submitter!.File!));
        }
    }
}
