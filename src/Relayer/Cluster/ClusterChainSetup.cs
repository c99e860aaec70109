using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Devnet;
using DiscreteExec.Relayer.Devnet.Traffic;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// The chains of a local operator cluster: both devnet chains (anvil with the 2-of-3 EVM escrow whose destination is
/// the Solana dev node, and the dev node with the 2-of-3 Solana escrow whose destination is anvil; the three operators'
/// keys are the signers of both), each pool funded, every operator's EVM submitter given gas and its Solana fee payer SOL.
/// </summary>
internal static class ClusterChainSetup
{
    /// <summary>Each pool's relayer liquidity (whole USDC).</summary>
    public const ulong PoolLiquidityUsdc = 5_000;

    /// <summary>
    /// What each operator's Solana fee payer starts with: it pays the fees of the settles it lands and the rent of their
    /// receipts, payout markers and its lookup table, about 2 SOL per 1,000 intents.
    /// </summary>
    public const ulong SolanaPayerLamports = 20_000_000_000;

    public static Task<LocalDevnet> StartAsync(TextWriter log, TimeProvider time, CancellationToken cancellationToken) =>
        FundedAsync(LocalDevnet.StartAsync(log, time, cancellationToken), cancellationToken);

    /// <summary>
    /// The same chains set up in an anvil and a Solana dev node that already run (what <c>relayer cluster setup</c> and
    /// the compose file's <c>chain-setup</c> service do); the returned devnet owns no process.
    /// </summary>
    public static Task<LocalDevnet> DeployIntoAsync(Uri evmRpc, Uri solanaRpc, string solanaProgramId, string evmArtifacts, TextWriter log, TimeProvider time, CancellationToken cancellationToken) =>
        FundedAsync(LocalDevnet.DeployIntoAsync(evmRpc, solanaRpc, solanaProgramId, evmArtifacts, log, time, cancellationToken), cancellationToken);

    /// <summary>Funds both pools and gives every operator's EVM submitter gas and its Solana fee payer SOL; disposes the devnet if that fails.</summary>
    private static async Task<LocalDevnet> FundedAsync(Task<LocalDevnet> started, CancellationToken cancellationToken)
    {
        var devnet = await started.ConfigureAwait(false);
        try
        {
            var liquidity = (UInt256)(PoolLiquidityUsdc * 1_000_000);
            await devnet.Evm.FundPoolAsync(liquidity, cancellationToken).ConfigureAwait(false);
            await devnet.Solana.FundPoolAsync(liquidity.AsUInt64, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < ClusterNodeConfigs.OperatorIds.Count; i++)
            {
                await devnet.Evm.GiveGasAsync(ClusterNodeConfigs.SubmitterKey(i).Address, cancellationToken).ConfigureAwait(false);
                await devnet.Solana.TopUpAsync(ClusterNodeConfigs.SolanaPayer(i), SolanaPayerLamports, cancellationToken).ConfigureAwait(false);
            }

            return devnet;
        }
        catch
        {
            await devnet.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static ClusterChain Describe(LocalDevnet devnet, Uri rabbitMq)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        return new ClusterChain(
            devnet.Evm.Url, devnet.Evm.Escrow.ToString(), devnet.Evm.DeploymentBlock, devnet.Evm.Token.ToString(),
            devnet.Solana.Url, Base58.EncodeKey(devnet.Solana.Escrow.ProgramId), Base58.EncodeKey(devnet.Solana.Mint), rabbitMq);
    }

    /// <summary>
    /// The devnet's traffic generator for the cluster's terms (its settlement margin): intents alternate EVM to Solana
    /// and back. <paramref name="transfersOnly"/>: only transfers that the next clearing fills (no refunds, no
    /// deferrals), so that every intent opened must be paid.
    /// </summary>
    public static Task<TrafficGenerator> TrafficAsync(LocalDevnet devnet, bool transfersOnly, TimeProvider time, CancellationToken cancellationToken) =>
        TrafficAsync(devnet, transfersOnly, new TrafficOptions().IntentsPerSecond, new TrafficOptions().Seed, time, cancellationToken);

    /// <summary><see cref="TrafficAsync(LocalDevnet, bool, TimeProvider, CancellationToken)"/> at <paramref name="intentsPerSecond"/> with the mix's <paramref name="seed"/>.</summary>
    public static Task<TrafficGenerator> TrafficAsync(LocalDevnet devnet, bool transfersOnly, int intentsPerSecond, ulong seed, TimeProvider time, CancellationToken cancellationToken) =>
        TrafficGenerator.CreateAsync(
            devnet,
            new TrafficOptions
            {
                SettlementMarginSeconds = ClusterNodeConfigs.SettlementMarginSeconds,
                Mix = transfersOnly ? new TrafficMixWeights { Transfer = 1, DeadlineTooSoon = 0, LimitAboveOutput = 0, LimitAboveOutputExpiring = 0 } : new TrafficMixWeights(),
                DepositorsPerChain = 2,
                IntentsPerSecond = intentsPerSecond,
                Seed = seed,
            },
            time,
            cancellationToken);
}
