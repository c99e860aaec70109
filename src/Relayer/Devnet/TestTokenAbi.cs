using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Call encoders for the mintable ERC-20 <c>TestToken(string name, string symbol, uint8 decimals)</c> of
/// contracts/evm, for local devnets and tests only (the EVM adapter tests compile this file too); <see cref="BalanceOf"/>
/// and <see cref="Approve"/> fit any ERC-20.
/// Its deployer can block accounts like USDC's blacklist (<see cref="SetBlocked"/>): a transfer from or to a blocked
/// account reverts, which is how a devnet stages a blocked depositor or recipient.
/// </summary>
internal static class TestTokenAbi
{
    private static readonly AbiFunction MintFunction = AbiFunction.Parse("mint(address,uint256)");
    private static readonly AbiFunction SetBlockedFunction = AbiFunction.Parse("setBlocked(address,bool)");

    public static byte[] ConstructorArguments(string name, string symbol, byte decimals) =>
        AbiEncoder.Encode([AbiType.String, AbiType.String, AbiType.Uint(8)], [name, symbol, decimals]);

    public static byte[] Mint(EvmAddress to, UInt256 amount) => MintFunction.EncodeCall(to, amount);

    public static byte[] Approve(EvmAddress spender, UInt256 amount) => DiscreteExec.Adapters.Evm.Escrow.Erc20Abi.Approve(spender, amount);

    public static byte[] BalanceOf(EvmAddress account) => DiscreteExec.Adapters.Evm.Escrow.Erc20Abi.BalanceOf(account);

    /// <summary>Deployer only: blocks or unblocks <paramref name="account"/>.</summary>
    public static byte[] SetBlocked(EvmAddress account, bool blocked) => SetBlockedFunction.EncodeCall(account, blocked);
}
