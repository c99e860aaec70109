using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// A payout the destination escrow must refuse would revert its whole chunk, and every retry with it: such an
/// intent is refunded at clearing instead. An EVM chain (all its registered tokens are 20-byte addresses) can only
/// pay a non-zero 20-byte address; no chain can pay the zero account.
/// </summary>
public class RecipientValidationTests
{
    private static readonly ChainId Evm = new(31337);
    private static readonly ChainId Solana = new(900001);
    private static readonly Bytes32 UsdcEvm = Bytes32.Parse("0x000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512");
    private static readonly Bytes32 UsdcSolana = Bytes32.Parse("0x9bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2");
    private static readonly Bytes32 SolanaWallet = Bytes32.Parse("0xa39a1ab2b1c3b2bc1b1bd9c7d9b53fa3f31fc9c3ea1b7cde5e0c2db4a1b4a0e3");
    private static readonly Bytes32 EvmWallet = Bytes32.Parse("0x00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906");

    [Fact]
    public void Clear_SolanaKeyAsRecipientOnAnEvmChain_IsRefundedAsInvalidRecipient()
    {
        var batch = EpochClearing.Clear(Epoch(Transfer(1, Solana, UsdcSolana, Evm, UsdcEvm, SolanaWallet)));

        Assert.Equal([Id(1)], batch.Refunded);
        Assert.Equal(RefundReasons.InvalidRecipient, Assert.Single(batch.Stats.Refunds).Reason);
        Assert.DoesNotContain(batch.Legs.SelectMany(l => l.Actions), a => a.Kind == ActionKind.Payout);
    }

    [Fact]
    public void Clear_ZeroRecipient_IsRefundedAsInvalidRecipient()
    {
        var batch = EpochClearing.Clear(Epoch(Transfer(2, Evm, UsdcEvm, Solana, UsdcSolana, Bytes32.Zero)));

        Assert.Equal([Id(2)], batch.Refunded);
        Assert.Equal(RefundReasons.InvalidRecipient, Assert.Single(batch.Stats.Refunds).Reason);
    }

    [Fact]
    public void Clear_ValidRecipientsBothWays_AreFilled()
    {
        var batch = EpochClearing.Clear(Epoch(
            Transfer(3, Solana, UsdcSolana, Evm, UsdcEvm, EvmWallet),
            Transfer(4, Evm, UsdcEvm, Solana, UsdcSolana, SolanaWallet)));

        Assert.Equal([Id(3), Id(4)], batch.Filled.Order().ToArray());
        Assert.Empty(batch.Refunded);
    }

    private static Bytes32 Id(ulong n) => Bytes32.FromUInt64(n);

    private static Intent Transfer(ulong n, ChainId origin, Bytes32 inputToken, ChainId destination, Bytes32 outputToken, Bytes32 recipient) => new()
    {
        IntentId = Id(n),
        OriginChainId = origin,
        DepositNonce = n,
        Depositor = EvmWallet,
        InputToken = inputToken,
        InputAmount = 1_000_000UL,
        DestinationChainId = destination,
        OutputToken = outputToken,
        MinOutputAmount = 990_000UL,
        Recipient = recipient,
        FillDeadline = 1_767_229_200,
    };

    private static EpochInput Epoch(params Intent[] intents) => new()
    {
        EpochId = 1,
        ClosesAt = 1_767_225_600,
        SettlementMarginSeconds = 120,
        FeeBps = 5,
        SpreadBps = 30,
        Assets = [new Asset("USDC", UInt256.Parse("1000000000000000000"), [new AssetToken(Evm, UsdcEvm, 6), new AssetToken(Solana, UsdcSolana, 6)])],
        Pools = [new PoolBalance(Evm, UsdcEvm, 10_000_000UL), new PoolBalance(Solana, UsdcSolana, 10_000_000UL)],
        Intents = intents,
    };
}
