using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Tests.ClearingFiles;

/// <summary>Hand-made batches with real leaf hashes and roots, independent of the clearing engine.</summary>
internal static class SampleBatches
{
    public static readonly Bytes32 Filled = Bytes32.Parse("0x74ec209c159c32c684b744f428c6e29dcfb0704e6f1ea8b20b6801ca491a8ea4");
    public static readonly Bytes32 Refunded = Bytes32.Parse("0x1fa2d1c31b1a0e0a5e3e4b1d2ab5d2fbb5b0c1d6c9e8b0e7a6f5d4c3b2a19080");
    public static readonly Bytes32 Deferred = Bytes32.Parse("0x0b0e4f1d2c3a49586776859493a2b1c0d0e0f00112233445566778899aabbccd");
    private static readonly Bytes32 UsdcEvm = Bytes32.Parse("0x000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512");
    private static readonly Bytes32 UsdcSolana = Bytes32.Parse("0x9bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2");
    private static readonly Bytes32 Depositor = Bytes32.Parse("0x00000000000000000000000090f79bf6eb2c4f870365e785982e1f101e93b906");
    private static readonly Bytes32 Recipient = Bytes32.Parse("0xa39a1ab2b1c3b2bc1b1bd9c7d9b53fa3f31fc9c3ea1b7cde5e0c2db4a1b4a0e3");

    /// <summary>Epoch 7 over anvil and a second chain: a release and a refund on anvil, a payout on the other.</summary>
    public static SettlementBatch Small(ulong epochId = 7, ulong secondChain = 900001)
    {
        var evm = new ChainId(31337);
        var other = new ChainId(secondChain);
        var evmActions = new SettlementAction[]
        {
            new(ActionKind.Release, Filled, UsdcEvm, Bytes32.Zero, UInt256.Zero),
            new(ActionKind.Refund, Refunded, UsdcEvm, Depositor, 700_000_000),
        };
        var otherActions = new SettlementAction[] { new(ActionKind.Payout, Filled, UsdcSolana, Recipient, 2_498_750_000) };
        var evmHash = MerkleTree.Root(SettlementLeaf.Hashes(evm, epochId, evmActions));
        var otherHash = MerkleTree.Root(SettlementLeaf.Hashes(other, epochId, otherActions));
        var root = MerkleTree.Root([evmHash, otherHash]);
        return new SettlementBatch
        {
            EpochId = epochId,
            BatchRoot = root,
            Legs = [new SettlementLeg(evm, epochId, root, evmHash, evmActions), new SettlementLeg(other, epochId, root, otherHash, otherActions)],
            Prices = [new PairPrice("ETH", "USDC", 6009, 2)],
            Filled = [Filled],
            Refunded = [Refunded],
            Deferred = [Deferred],
            Stats = Stats(),
        };
    }

    /// <summary>
    /// Built from JSON rather than an initializer, so that fields the engine adds to the stats later do not
    /// break this file's compilation (only the golden file then needs its new fields).
    /// </summary>
    private static ClearingStats Stats() => JsonSerializer.Deserialize<ClearingStats>(
        """
        {
          "intentCount": 3, "filledCount": 1, "refundedCount": 1, "deferredCount": 1, "actionCount": 3,
          "assets": [ { "assetId": "USDC", "released": "2500000000000000000000", "paidOut": "2498750000000000000000",
                        "fees": "1250000000000000000", "dust": "0", "poolNet": "0",
                        "exactDust": { "numerator": "0", "denominator": "1" },
                        "exactPoolNet": { "numerator": "0", "denominator": "1" } } ],
          "pairs": [],
          "pools": [ { "chainId": 31337, "token": "0x000000000000000000000000e7f1725e7734ce288f8367e1bb143e90bb3f0512", "assetId": "USDC",
                       "before": "0", "released": "2500000000", "paidOut": "0", "after": "2500000000" },
                     { "chainId": 900001, "token": "0x9bf09b2fb853069f4d888290cb7c1ec63e516690821c6b45afbf55a10e4544a2", "assetId": "USDC",
                       "before": "5000000000", "released": "0", "paidOut": "2498750000", "after": "2501250000" } ],
          "refunds": [ { "intentId": "0x1fa2d1c31b1a0e0a5e3e4b1d2ab5d2fbb5b0c1d6c9e8b0e7a6f5d4c3b2a19080", "reason": "expired" } ]
        }
        """,
        ClearingJsonOptions)!;

    private static JsonSerializerOptions ClearingJsonOptions => ClearingJson.RecordOptions;
}
