using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>The ERC-20 calls a depositor makes around <c>IntentEscrow.open</c>: the allowance it has given the escrow, and the approve that raises it.</summary>
public static class Erc20Abi
{
    private static readonly AbiFunction ApproveFunction = AbiFunction.Parse("approve(address,uint256) returns (bool)");
    private static readonly AbiFunction AllowanceFunction = AbiFunction.Parse("allowance(address,address) returns (uint256)");
    private static readonly AbiFunction BalanceOfFunction = AbiFunction.Parse("balanceOf(address) returns (uint256)");

    public static byte[] Approve(EvmAddress spender, UInt256 amount) => ApproveFunction.EncodeCall(spender, amount);

    public static byte[] Allowance(EvmAddress owner, EvmAddress spender) => AllowanceFunction.EncodeCall(owner, spender);

    public static byte[] BalanceOf(EvmAddress account) => BalanceOfFunction.EncodeCall(account);
}
