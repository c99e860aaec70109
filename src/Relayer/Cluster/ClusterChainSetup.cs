using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Core;
using DiscreteExec.Core.Intents;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>One intent the cluster's traffic opened: its id and the fresh recipient its payout goes to.</summary>
internal sealed record ClusterIntent(Bytes32 IntentId, EvmAddress Recipient, UInt256 InputAmount, UInt256 MinOutput);

/// <summary>
/// The chain of a local operator cluster: anvil with the devnet's 2-of-3 escrow whose only destination is itself (an
/// EVM-only run: operator sets refuse Solana), its pool funded, and every operator's submitter given gas.
/// </summary>
internal static class ClusterChainSetup
{
    /// <summary>The escrow pool's relayer liquidity (whole USDC).</summary>
    public const ulong PoolLiquidityUsdc = 5_000;

    public static async Task<EvmDevChain> StartAsync(HttpClient http, TimeProvider time, CancellationToken cancellationToken)
    {
        var evm = await EvmDevChain.StartAsync(DevnetPrerequisites.Locate(), http, EvmDevChain.Chain, time, cancellationToken).ConfigureAwait(false);
        try
        {
            await evm.FundPoolAsync((UInt256)(PoolLiquidityUsdc * 1_000_000), cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < EvmDevChain.SignerLabels.Count; i++)
            {
                await evm.GiveGasAsync(ClusterNodeConfigs.SubmitterKey(i).Address, cancellationToken).ConfigureAwait(false);
            }

            return evm;
        }
        catch
        {
            await evm.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public static ClusterChain Describe(EvmDevChain evm, Uri rabbitMq) =>
        new(evm.Url, evm.Escrow.ToString(), evm.DeploymentBlock, evm.Token.ToString(), rabbitMq);

    /// <summary>
    /// Opens <paramref name="count"/> USDC transfers from the escrow to itself, each by a depositor of its own to a
    /// fresh recipient, with a limit 50 bps under the input (above the 5 bps fee) and a deadline an hour past the
    /// settlement margin: every one should be paid.
    /// </summary>
    public static async Task<IReadOnlyList<ClusterIntent>> OpenTransfersAsync(EvmDevChain evm, string batch, int count, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evm);
        var opened = new List<ClusterIntent>();
        var deadline = (ulong)time.GetUtcNow().ToUnixTimeSeconds() + 600 + 3_600;
        for (var i = 0; i < count; i++)
        {
            var label = string.Create(CultureInfo.InvariantCulture, $"cluster-{batch}-{i}");
            var depositor = EvmDevChain.LocalKey(label + "-depositor");
            var recipient = EvmDevChain.LocalKey(label + "-recipient").Address;
            await evm.GiveGasAsync(depositor.Address, cancellationToken).ConfigureAwait(false);
            var amount = (UInt256)(ulong)(10_000_000 + (i * 1_000_000));
            var minOutput = amount - (amount / 200);
            var id = await evm.OpenAsync(depositor, new IntentParams(evm.Token, amount, EvmDevChain.Chain, evm.Token.ToBytes32(), minOutput, recipient.ToBytes32(), deadline), cancellationToken).ConfigureAwait(false);
            opened.Add(new ClusterIntent(id, recipient, amount, minOutput));
        }

        return opened;
    }
}
