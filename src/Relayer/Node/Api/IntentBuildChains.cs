using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using Microsoft.Extensions.Logging;
using Polly;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>An EVM chain whose escrow <c>POST /v1/intents/build</c> opens intents on: the escrow and an RPC to read allowances and estimate gas.</summary>
internal sealed record EvmBuildChain(ChainId ChainId, EvmAddress Escrow, IEvmRpc Rpc);

/// <summary>A Solana cluster whose escrow program <c>POST /v1/intents/build</c> opens intents on: the program and an RPC for its nonce and a blockhash.</summary>
internal sealed record SolanaBuildChain(ChainId ChainId, EscrowProgram Escrow, ISolanaRpc Rpc);

/// <summary>
/// The chains the build route serves, each with an RPC client of its own (the EVM one makes one attempt per call, so a
/// wallet asking for a transaction gets an answer or a reason at once; the Solana one retries as its options say).
/// </summary>
internal sealed class IntentBuildChains(IReadOnlyList<EvmBuildChain> evm, IReadOnlyList<SolanaBuildChain> solana)
{
    public IReadOnlyList<EvmBuildChain> Evm { get; } = evm;

    public IReadOnlyList<SolanaBuildChain> Solana { get; } = solana;

    /// <summary>True when <paramref name="chainId"/> is one of this node's Solana clusters, whose escrow holds 64-bit amounts.</summary>
    public bool IsSolana(ChainId chainId) => Solana.Any(c => c.ChainId == chainId);

    public static IntentBuildChains From(IReadOnlyList<ConfiguredChain> chains, HttpClient http, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(chains);
        ArgumentNullException.ThrowIfNull(loggers);
        var evm = new List<EvmBuildChain>();
        var solana = new List<SolanaBuildChain>();
        foreach (var chain in chains)
        {
            if (chain.Kind == ChainKind.Evm)
            {
                var rpc = new EvmRpcClient(http, RpcEndpoint.Of(chain.Evm!), chain.Evm!.Rpc, IntentEscrowAbi.Abi, loggers.CreateLogger<EvmRpcClient>(), time);
                evm.Add(new EvmBuildChain(chain.Options.Chain, chain.Evm!.Escrow, rpc));
            }
            else
            {
                var rpc = new SolanaRpcClient(http, chain.Solana!, loggers.CreateLogger<SolanaRpcClient>(), time);
                solana.Add(new SolanaBuildChain(chain.Options.Chain, new EscrowProgram(Adapters.Solana.Codec.Base58.DecodeKey(chain.Solana!.ProgramId)), rpc));
            }
        }

        return new IntentBuildChains(evm, solana);
    }
}
