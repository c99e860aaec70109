using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Relayer.Bench;

/// <summary>
/// A reproducible random epoch for benchmarks: four chains (two EVM-like, anvil, a Solana cluster), four assets with
/// different decimals, three swap pairs against USDC plus same-asset transfers, limits within ±0.6% of the reference
/// price, some expired and some invalid intents, and pools sized so that a share of the heavy side is deferred.
/// </summary>
internal static class SyntheticEpoch
{
    public const ulong ClosesAt = 1_767_225_600;

    private static readonly ChainId[] Chains = [new(1), new(10), new(31337), new(900001)];

    private static readonly (string Id, string RefPrice, byte[] Decimals)[] AssetSpecs =
    [
        ("BTC", "90000000000000000000000", [8, 8, 8, 8]),
        ("ETH", "3000000000000000000000", [18, 18, 18, 9]),
        ("SOL", "150000000000000000000", [9, 9, 9, 9]),
        ("USDC", "1000000000000000000", [6, 6, 6, 6]),
    ];

    // Typical deposit sizes in whole-token terms: 0.05 BTC, 1.5 ETH, 40 SOL, 4,000 USDC.
    private static readonly ulong[] TypicalWhole = [5, 150, 4_000, 400_000];
    private static readonly int[] TypicalScale = [2, 2, 2, 2];

    public static EpochInput Create(int intentCount, int seed = 42)
    {
        var random = new Random(seed);
        var assets = new Asset[AssetSpecs.Length];
        for (var a = 0; a < assets.Length; a++)
        {
            var tokens = new AssetToken[Chains.Length];
            for (var c = 0; c < Chains.Length; c++)
            {
                tokens[c] = new AssetToken(Chains[c], TokenOf(a, c), AssetSpecs[a].Decimals[c]);
            }

            assets[a] = new Asset(AssetSpecs[a].Id, UInt256.Parse(AssetSpecs[a].RefPrice), tokens);
        }

        // Pools: enough of every token for roughly a quarter of the epoch's flow through it, so netting matters.
        var pools = new List<PoolBalance>();
        for (var a = 0; a < assets.Length; a++)
        {
            for (var c = 0; c < Chains.Length; c++)
            {
                var perIntent = Native(a, c, TypicalWhole[a], TypicalScale[a]);
                pools.Add(new PoolBalance(Chains[c], TokenOf(a, c), perIntent * (ulong)Math.Max(1, intentCount / 64)));
            }
        }

        var intents = new Intent[intentCount];
        for (var i = 0; i < intentCount; i++)
        {
            var origin = random.Next(Chains.Length);
            var destination = random.Next(Chains.Length);
            var inputAsset = random.Next(assets.Length);

            // 40% same-asset transfers, 60% swaps against USDC (or USDC into another asset).
            int outputAsset;
            if (random.Next(10) < 4)
            {
                outputAsset = inputAsset;
            }
            else if (inputAsset == 3)
            {
                outputAsset = random.Next(3);
            }
            else
            {
                outputAsset = 3;
            }

            // Input: the typical size times 0.5–1.5.
            var inputWhole = TypicalWhole[inputAsset] * (ulong)(50 + random.Next(101)) / 100;
            var input = Native(inputAsset, origin, Math.Max(1, inputWhole), TypicalScale[inputAsset]);

            // Fair output at reference prices, then a limit 0.6% below to 0.6% above it (in 0.01% steps).
            var fair = FairOutput(input, inputAsset, origin, outputAsset, destination);
            var limitBps = 10_000 - 60 + random.Next(121);
            var minOutput = UInt256.MultiplyDivide(fair, (ulong)limitBps, 10_000UL);

            // 2% expired, 1% with an unknown output token.
            var deadline = ClosesAt + 3_600 + (ulong)random.Next(86_400);
            if (random.Next(50) == 0)
            {
                deadline = ClosesAt - 10;
            }

            var outputToken = random.Next(100) == 0 ? Bytes32.FromUInt64(0xBAD) : TokenOf(outputAsset, destination);

            intents[i] = new Intent
            {
                IntentId = IntentId.Compute(Chains[origin], Bytes32.FromUInt64(0xE5C0 + (ulong)origin), (ulong)i),
                OriginChainId = Chains[origin],
                DepositNonce = (ulong)i,
                Depositor = Bytes32.FromUInt64(0x1_0000_0000 + (ulong)random.Next(1_000_000)),
                InputToken = TokenOf(inputAsset, origin),
                InputAmount = input,
                DestinationChainId = Chains[destination],
                OutputToken = outputToken,
                MinOutputAmount = minOutput,
                Recipient = Bytes32.FromUInt64(0x2_0000_0000 + (ulong)random.Next(1_000_000)),
                FillDeadline = deadline,
            };
        }

        return new EpochInput
        {
            EpochId = 1,
            ClosesAt = ClosesAt,
            SettlementMarginSeconds = 120,
            FeeBps = 5,
            SpreadBps = 30,
            Assets = assets,
            Pools = pools,
            Intents = intents,
        };
    }

    private static Bytes32 TokenOf(int asset, int chain) => Bytes32.FromUInt64(0x7000 + ((ulong)asset * 16) + (ulong)chain);

    private static UInt256 Native(int asset, int chain, ulong whole, int scale)
    {
        var decimals = AssetSpecs[asset].Decimals[chain];
        var amount = (UInt256)whole;
        for (var i = scale; i < decimals; i++)
        {
            amount *= 10UL;
        }

        for (var i = decimals; i < scale; i++)
        {
            amount /= 10UL;
        }

        return amount;
    }

    private static UInt256 FairOutput(UInt256 input, int inputAsset, int origin, int outputAsset, int destination)
    {
        // input × refIn / refOut, rescaled from the input's decimals to the output's.
        var value = input.ToBigInteger() * UInt256.Parse(AssetSpecs[inputAsset].RefPrice).ToBigInteger();
        var output = value / UInt256.Parse(AssetSpecs[outputAsset].RefPrice).ToBigInteger();
        var shift = AssetSpecs[outputAsset].Decimals[destination] - AssetSpecs[inputAsset].Decimals[origin];
        output = shift >= 0 ? output * System.Numerics.BigInteger.Pow(10, shift) : output / System.Numerics.BigInteger.Pow(10, -shift);
        return UInt256.FromBigInteger(output);
    }
}
