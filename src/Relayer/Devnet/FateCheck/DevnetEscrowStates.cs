using DiscreteExec.Adapters.Evm;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Relayer.Devnet.FateCheck;

/// <summary>
/// <see cref="IEscrowState"/> of the devnet's chains, read through <see cref="EvmDevChain"/> and
/// <see cref="SolanaDevChain"/> (at their latest/confirmed state: the devnet's chains are final at once), and the
/// token balances of accounts in the devnet's one token per chain. The adapters' own implementations can replace these.
/// </summary>
internal static class DevnetEscrowStates
{
    public static IReadOnlyCollection<IEscrowState> Of(LocalDevnet devnet)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        return [new EvmDevEscrowState(devnet.Evm), new SolanaDevEscrowState(devnet.Solana)];
    }

    public static ITokenBalances Balances(LocalDevnet devnet)
    {
        ArgumentNullException.ThrowIfNull(devnet);
        return new DevnetTokenBalances(devnet);
    }

    private static void RequireToken(Bytes32 token, Bytes32 known, ChainId chainId)
    {
        if (token != known)
        {
            throw new ArgumentException($"The devnet chain {chainId} has one token, {known}; {token} is not it.", nameof(token));
        }
    }

    // The fate check reads intents, pools and payouts only; a node's own adapters read applied epochs at its start.
    private static NotSupportedException AppliedEpochsNotRead(ChainId chainId) =>
        new($"The devnet's fate-check view of chain {chainId} does not read applied epochs; the node's adapter does.");

    private sealed class EvmDevEscrowState(EvmDevChain chain) : IEscrowState
    {
        public ChainId ChainId => EvmDevChain.Chain;

        public ChainKind Kind => ChainKind.Evm;

        public Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken)
        {
            RequireToken(token, chain.Token.ToBytes32(), ChainId);
            return chain.PoolBalanceAsync(cancellationToken);
        }

        public async Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken)
        {
            // The escrow's codes are the same: 0 None, 1 Open, 2 Released, 3 Refunded.
            var status = await chain.IntentStatusAsync(intentId, cancellationToken).ConfigureAwait(false);
            return status <= (byte)EscrowIntentState.Refunded
                ? (EscrowIntentState)status
                : throw new DevnetException($"The EVM escrow reports status {status} for intent {intentId}, which no version knows.");
        }

        public Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) => chain.IsPaidAsync(intentId, cancellationToken);

        public Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken) => throw AppliedEpochsNotRead(ChainId);
    }

    private sealed class SolanaDevEscrowState(SolanaDevChain chain) : IEscrowState
    {
        public ChainId ChainId => SolanaDevChain.Chain;

        public ChainKind Kind => ChainKind.Solana;

        public async Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken)
        {
            RequireToken(token, chain.Mint, ChainId);
            return (await chain.PoolAsync(cancellationToken).ConfigureAwait(false)).Pool;
        }

        public async Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken) =>
            await chain.IntentStatusAsync(intentId, cancellationToken).ConfigureAwait(false) switch
            {
                null => EscrowIntentState.Unknown,
                Adapters.Solana.Programs.EscrowIntentStatus.Open => EscrowIntentState.Open,
                Adapters.Solana.Programs.EscrowIntentStatus.Released => EscrowIntentState.Released,
                Adapters.Solana.Programs.EscrowIntentStatus.Refunded => EscrowIntentState.Refunded,
                var other => throw new DevnetException($"The Solana escrow reports status {other} for intent {intentId}, which no version knows."),
            };

        public Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken) => chain.IsPaidAsync(intentId, cancellationToken);

        public Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken) => throw AppliedEpochsNotRead(ChainId);
    }

    private sealed class DevnetTokenBalances(LocalDevnet devnet) : ITokenBalances
    {
        public async Task<UInt256> BalanceAsync(ChainId chainId, Bytes32 token, Bytes32 account, CancellationToken cancellationToken)
        {
            if (chainId == EvmDevChain.Chain)
            {
                RequireToken(token, devnet.Evm.Token.ToBytes32(), chainId);
                return await devnet.Evm.TokenBalanceAsync(EvmAddress.FromBytes32(account), cancellationToken).ConfigureAwait(false);
            }

            if (chainId == SolanaDevChain.Chain)
            {
                RequireToken(token, devnet.Solana.Mint, chainId);
                return await devnet.Solana.TokenBalanceAsync(account, cancellationToken).ConfigureAwait(false);
            }

            throw new ArgumentException($"The devnet has no chain {chainId}.", nameof(chainId));
        }
    }
}
