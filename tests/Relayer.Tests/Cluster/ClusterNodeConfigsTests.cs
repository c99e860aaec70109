using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Cluster;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;

namespace DiscreteExec.Relayer.Tests.Cluster;

public sealed class ClusterNodeConfigsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("discreteexec-cluster-configs-").FullName;

    [Fact]
    public void Write_EachOperator_LoadsWithOnlyItsOwnKeyOnBothChains_AndTheSameOperatorSet()
    {
        var chain = new ClusterChain(
            new Uri("http://127.0.0.1:8545/"), EvmDevChain.LocalKey("escrow").Address.ToString(), 1, EvmDevChain.LocalKey("token").Address.ToString(),
            new Uri("http://127.0.0.1:8899/"), Base58.EncodeKey(ClusterNodeConfigs.SolanaPayer(7)), Base58.EncodeKey(ClusterNodeConfigs.SolanaPayer(8)), new Uri("amqp://127.0.0.1:5672/"));
        var paths = ClusterNodeConfigs.Write(chain, [.. ClusterNodeConfigs.OperatorIds.Select(_ => new ClusterNodeSeat(null, "http://127.0.0.1:0"))], _directory);

        var loaded = paths.Select(p => NodeOptionsLoader.Load(p, new Dictionary<string, string>())).ToArray();
        for (var i = 0; i < loaded.Length; i++)
        {
            var set = loaded[i].Options.OperatorSet;
            Assert.Equal(i, set.OwnIndex);
            Assert.Equal(ClusterNodeConfigs.Threshold, set.Threshold);
            Assert.Equal(
                loaded[0].Options.OperatorSet.Operators.SelectMany(o => o.Signers.Select(s => (o.Id, s.Chain, s.Address))),
                set.Operators.SelectMany(o => o.Signers.Select(s => (o.Id, s.Chain, s.Address))));

            var evm = loaded[i].Chains.Single(c => c.Kind == ChainKind.Evm);
            var solana = loaded[i].Chains.Single(c => c.Kind == ChainKind.Solana);
            Assert.Equal(SignerOf(set, i, evm.Name), EvmKey.FromHex(File.ReadAllText(Assert.Single(evm.Options.Keys.Attestors).File!).Trim()).Address.ToString());
            using var attestor = SolanaKeypair.FromCliKeypairJson(File.ReadAllText(Assert.Single(solana.Options.Keys.Attestors).File!));
            Assert.Equal(SignerOf(set, i, solana.Name), Base58.EncodeKey(attestor.PublicKey));
            using var payer = SolanaKeypair.FromCliKeypairJson(File.ReadAllText(solana.Options.Keys.Submitter!.File!));
            Assert.Equal(ClusterNodeConfigs.SolanaPayer(i), payer.PublicKey);
        }

        // Every operator signs with its own key on each chain.
        foreach (var name in loaded[0].Chains.Select(c => c.Name))
        {
            Assert.Equal(loaded.Length, loaded[0].Options.OperatorSet.Operators.Select((_, i) => SignerOf(loaded[0].Options.OperatorSet, i, name)).Distinct().Count());
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string SignerOf(OperatorSetOptions set, int index, string chain) => set.Operators[index].Signers.Single(s => s.Chain == chain).Address;
}
