using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Hosting;

namespace DiscreteExec.Relayer.Tests.Node.Hosting;

/// <summary>A node of an operator set signs only with the keys its configuration names for its own seat.</summary>
public sealed class OperatorSetHostingTests
{
    private static readonly string[] EvmSigners = [.. EvmDevChain.SignerLabels.Select(l => EvmDevChain.LocalKey(l).Address.ToString())];
    private static readonly string[] SolanaSigners = [.. Enumerable.Range(1, 3).Select(i => Base58.EncodeKey(Bytes32.FromUInt64((ulong)i)))];

    private static OperatorSetOptions Set(int ownIndex) => new()
    {
        OwnIndex = ownIndex,
        Threshold = 2,
        Operators = [.. Enumerable.Range(0, 3).Select(i => new OperatorOptions
        {
            Id = $"op-{i}",
            Signers =
            [
                new OperatorSignerOptions { Chain = "anvil", Address = EvmSigners[i] },
                new OperatorSignerOptions { Chain = "solana", Address = SolanaSigners[i] },
            ],
        })],
    };

    [Fact]
    public void OwnKeys_TheSeatsOwnSigners_Accepted()
    {
        var mismatches = OperatorSetHosting.OwnKeyMismatches(Set(1), [
            new(0, "anvil", ChainKind.Evm, EvmSigners[1].ToLowerInvariant()),
            new(1, "solana", ChainKind.Solana, SolanaSigners[1])]);

        Assert.Empty(mismatches);
    }

    [Fact]
    public void OwnKeys_AnotherOperatorsKeyOrNone_RefusedNamingTheKeyAndTheSeat()
    {
        var mismatches = OperatorSetHosting.OwnKeyMismatches(Set(1), [
            new(0, "anvil", ChainKind.Evm, EvmSigners[0]),
            new(1, "solana", ChainKind.Solana, null)]);

        Assert.Equal(2, mismatches.Count);
        Assert.StartsWith($"Chains:0:Keys:Attestors:0: the key's signer {EvmSigners[0]} is not {EvmSigners[1]}, operator 'op-1''s signer on chain 'anvil' (OperatorSet:Operators:1:Signers", mismatches[0], StringComparison.Ordinal);
        Assert.StartsWith($"Chains:1:Keys:Attestors:0: the key's signer (none) is not {SolanaSigners[1]}", mismatches[1], StringComparison.Ordinal);
    }

    [Fact]
    public void ManifestChain_TwoEvmChainsInEitherOrder_IsTheLowestChainId()
    {
        ConfiguredChain Evm(int index, ulong chainId) => new(index, new NodeChainOptions { Name = $"evm-{chainId}", Kind = ChainKind.Evm, ChainId = chainId }, new(), null);
        var solana = new ConfiguredChain(0, new NodeChainOptions { Name = "solana", Kind = ChainKind.Solana, ChainId = 1 }, null, new());

        var listedHighFirst = OperatorSetHosting.ManifestChainOf([solana, Evm(1, 8453), Evm(2, 10)]);
        var listedLowFirst = OperatorSetHosting.ManifestChainOf([Evm(0, 10), solana, Evm(2, 8453)]);

        Assert.Equal(10UL, listedHighFirst.Options.ChainId);
        Assert.Equal(10UL, listedLowFirst.Options.ChainId);
    }

    [Fact]
    public void ManifestChain_NoEvmChain_RefusedNamingTheOperatorSet()
    {
        var solana = new ConfiguredChain(0, new NodeChainOptions { Name = "solana", Kind = ChainKind.Solana, ChainId = 1 }, null, new());

        var refused = Assert.Throws<NodeConfigurationException>(() => OperatorSetHosting.ManifestChainOf([solana]));

        Assert.Contains("OperatorSet: an operator set needs an EVM chain", refused.Message, StringComparison.Ordinal);
    }
}
