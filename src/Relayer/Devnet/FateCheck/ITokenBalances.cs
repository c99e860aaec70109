using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet.FateCheck;

/// <summary>Reads an account's balance of a token on a chain (native units), for the recipients' balance check.</summary>
internal interface ITokenBalances
{
    Task<UInt256> BalanceAsync(ChainId chainId, Bytes32 token, Bytes32 account, CancellationToken cancellationToken);
}
