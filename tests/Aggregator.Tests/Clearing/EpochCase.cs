using System.Numerics;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Intents;
using FsCheck;
using FsCheck.Fluent;

namespace DiscreteExec.Aggregator.Tests.Clearing;

/// <summary>
/// The shape of a random epoch, drawn by FsCheck; <see cref="Build"/> expands it deterministically (the seed
/// drives the details), so a failing case printed by FsCheck rebuilds exactly the same epoch.
/// </summary>
public sealed record EpochCase(int Seed, int Assets, int Chains, int Intents, uint FeeBps, uint SpreadBps, int PoolStyle, bool SingleChain, bool SinglePair, int TwinPercent = 20, bool Realistic = false)
{
    public const ulong ClosesAt = 1_767_225_600;
    public const ulong Margin = 120;
    private static readonly string[] AssetNames = ["ETH", "SOL", "USDC", "WBTC"];

    /// <summary>
    /// Random epochs: 2–4 assets, 2–4 chains, up to 40 intents, fees 0–100 bps, spreads 0–500 bps. Half of them draw
    /// amounts and pools of comparable worth at reference prices (many fills, pools that bind at the margin); the
    /// other half draw raw amounts from 1 to 2^128 native units and pools from zero to 2^128 (wide values, extremes).
    /// </summary>
    public static Arbitrary<EpochCase> Any(bool singleChain = false, bool singlePair = false, int maxIntents = 40) =>
        Any(singleChain, singlePair, maxIntents, Gen.Choose(0, 4), twinPercent: 20, realistic: null);

    /// <summary>
    /// Epochs where the pools' limit cuts through groups of equal limits (a single chain and pair, realistic pools,
    /// many repeated orders), so that deadlines and ids decide who is filled.
    /// </summary>
    public static Arbitrary<EpochCase> Crowded() => Any(singleChain: true, singlePair: true, maxIntents: 40, Gen.Choose(3, 3), twinPercent: 60, realistic: true);

    private static Arbitrary<EpochCase> Any(bool singleChain, bool singlePair, int maxIntents, Gen<int> poolStyles, int twinPercent, bool? realistic) =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from assets in Gen.Choose(2, 4)
         from chains in Gen.Choose(2, 4)
         from intents in Gen.Choose(0, maxIntents)
         from fee in Gen.Choose(0, 100)
         from spread in Gen.Choose(0, 500)
         from poolStyle in poolStyles
         from valued in realistic is { } fixedChoice ? Gen.Constant(fixedChoice) : Gen.Elements(true, false)
         select new EpochCase(seed, singlePair ? 2 : assets, singleChain ? 1 : chains, intents, (uint)fee, (uint)spread, poolStyle, singleChain, singlePair, twinPercent, valued))
        .ToArbitrary();

    public EpochInput Build()
    {
        var random = new Random(Seed);
        var chainIds = Enumerable.Range(0, Chains).Select(i => new ChainId((ulong)((i * 1000) + random.Next(1, 999)))).ToArray();
        var names = AssetNames.OrderBy(_ => random.Next()).Take(Assets).ToArray();
        var assets = new List<Asset>();
        foreach (var name in names)
        {
            // Reference prices from 10^-6 to 10^6 numeraire per whole token, scaled by 1e18.
            var refPrice = BigInteger.Pow(10, random.Next(12, 25)) * random.Next(1, 1000);
            var tokens = chainIds
                .Where((_, i) => i == 0 || random.Next(4) != 0)
                .Select(chain => new AssetToken(chain, RandomBytes(random), (byte)random.Next(0, 19)))
                .ToArray();
            assets.Add(new Asset(name, UInt256.FromBigInteger(refPrice), tokens));
        }

        var pools = new List<PoolBalance>();
        foreach (var (asset, token) in assets.SelectMany(a => a.Tokens.Select(t => (a, t))))
        {
            var balance = Realistic ? WorthOf(random.Next(0, 40_000), token.Decimals, asset.ReferencePrice) : PoolStyle switch
            {
                0 => BigInteger.Zero,
                1 => BigInteger.Pow(2, 128),
                _ => random.Next(5) == 0 ? BigInteger.Zero : RandomAmount(random, token.Decimals, PoolStyle),
            };
            if (random.Next(6) != 0)
            {
                pools.Add(new PoolBalance(token.ChainId, token.Token, UInt256.FromBigInteger(balance)));
            }
        }

        var intents = new List<Intent>();
        for (var n = 0; n < Intents; n++)
        {
            var intent = RandomIntent(random, assets, chainIds, n);
            if (intents.Count > 0 && random.Next(100) < TwinPercent)
            {
                // The same order again (same amounts, so the same limit), often with the same deadline: ties for the preference order.
                var twin = intents[random.Next(intents.Count)];
                intent = intent with
                {
                    OriginChainId = twin.OriginChainId,
                    InputToken = twin.InputToken,
                    InputAmount = twin.InputAmount,
                    DestinationChainId = twin.DestinationChainId,
                    OutputToken = twin.OutputToken,
                    MinOutputAmount = twin.MinOutputAmount,
                    FillDeadline = random.Next(2) == 0 ? twin.FillDeadline : intent.FillDeadline,
                };
            }

            intents.Add(intent);
        }

        return new EpochInput
        {
            EpochId = (ulong)random.Next(1, 1000),
            ClosesAt = ClosesAt,
            SettlementMarginSeconds = Margin,
            FeeBps = FeeBps,
            SpreadBps = SpreadBps,
            Assets = assets,
            Pools = pools,
            Intents = intents,
        };
    }

    private Intent RandomIntent(Random random, List<Asset> assets, ChainId[] chainIds, int nonce)
    {
        var inAsset = assets[random.Next(assets.Count)];
        var outAsset = random.Next(4) == 0 ? inAsset : assets[random.Next(assets.Count)];
        var inToken = inAsset.Tokens[random.Next(inAsset.Tokens.Count)];
        var outToken = outAsset.Tokens[random.Next(outAsset.Tokens.Count)];
        var input = Realistic
            ? WorthOf(random.Next(1, 10_000), inToken.Decimals, inAsset.ReferencePrice)
            : RandomAmount(random, inToken.Decimals, 2 + random.Next(3));
        if (random.Next(40) == 0)
        {
            input = BigInteger.Zero;
        }

        // A fair output at reference prices, less the fee, then a limit a little above or below it.
        var fair = input * BigInteger.Pow(10, 18 - inToken.Decimals) * inAsset.ReferencePrice.ToBigInteger()
                   / (outAsset.ReferencePrice.ToBigInteger() * BigInteger.Pow(10, 18 - outToken.Decimals));
        var tilt = random.Next(-((int)SpreadBps / 2) - 60, (int)SpreadBps + 100);
        var minOut = random.Next(15) == 0 ? BigInteger.Zero : BigInteger.Max(0, fair * (10_000 - FeeBps - tilt) / 10_000);
        var deadline = ClosesAt + Margin + (ulong)random.Next(0, 4000) - 400;

        var origin = inToken.ChainId;
        var inputTokenBytes = inToken.Token;
        var outputTokenBytes = outToken.Token;
        switch (random.Next(50))
        {
            case 0: inputTokenBytes = RandomBytes(random); break;
            case 1: outputTokenBytes = RandomBytes(random); break;
            case 2: origin = new ChainId(999_999); inputTokenBytes = RandomBytes(random); break;
            default: break;
        }

        return new Intent
        {
            IntentId = IntentId.Compute(origin, Bytes32.FromUInt64((ulong)Seed), (ulong)nonce),
            OriginChainId = origin,
            DepositNonce = (ulong)nonce,
            Depositor = RandomBytes(random),
            InputToken = inputTokenBytes,
            InputAmount = UInt256.FromBigInteger(input),
            DestinationChainId = outToken.ChainId,
            OutputToken = outputTokenBytes,
            MinOutputAmount = UInt256.FromBigInteger(minOut),
            Recipient = RandomBytes(random),
            FillDeadline = deadline,
        };
    }

    /// <summary>Native amounts: tiny, realistic (up to 10^6 whole tokens) or huge (up to 2^128).</summary>
    private static BigInteger RandomAmount(Random random, int decimals, int style) => style switch
    {
        2 => new BigInteger(random.NextInt64(1, 1_000_000)),
        3 => BigInteger.Pow(10, decimals) * random.NextInt64(1, 1_000_000) / random.NextInt64(1, 1000) + random.Next(1, 1000),
        _ => (BigInteger.One << random.Next(64, 128)) + random.NextInt64(1, long.MaxValue),
    };

    /// <summary>The native amount worth <paramref name="value"/> numeraire units at the reference price (at least 1).</summary>
    private static BigInteger WorthOf(int value, int decimals, UInt256 refPrice) =>
        BigInteger.Max(1, value * BigInteger.Pow(10, 18 + decimals) / refPrice.ToBigInteger());

    private static Bytes32 RandomBytes(Random random)
    {
        var bytes = new byte[32];
        random.NextBytes(bytes);
        return new Bytes32(bytes);
    }
}
