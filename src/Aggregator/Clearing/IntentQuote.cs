using System.Numerics;
using DiscreteExec.Aggregator.Clearing.Arithmetic;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>What a depositor asks a quote for: the route and the input, as an intent would carry them.</summary>
public sealed record QuoteRequest(ChainId OriginChainId, Bytes32 InputToken, UInt256 InputAmount, ChainId DestinationChainId, Bytes32 OutputToken);

/// <summary>
/// A quote at the reference price: <see cref="GrossOutput"/> = floor(G) of the exact gross G (native units of the output
/// token), the <see cref="Fee"/> on it and the <see cref="ExpectedOutput"/> = gross − fee, exactly as the clearing pays a
/// fill at that price. The price is output asset units per input asset unit (1/1 for a transfer).
/// </summary>
public sealed record IntentQuoteResult(
    bool IsTransfer,
    string InputAssetId,
    string OutputAssetId,
    BigInteger PriceNumerator,
    BigInteger PriceDenominator,
    UInt256 GrossOutput,
    UInt256 Fee,
    UInt256 ExpectedOutput);

/// <summary>Why no quote exists: <see cref="Field"/> names the request field at fault (<c>inputToken</c>, <c>outputToken</c>, <c>inputAmount</c>).</summary>
public sealed class QuoteRejectedException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// The clearing's own pricing for one would-be intent, for a node's quote: a transfer at 1:1 in asset units, a swap at
/// the pair's reference price r = refPrice(input asset) / refPrice(output asset), through the same
/// <see cref="GrossCalculator"/> and <see cref="FeeSchedule"/> as <see cref="EpochClearing"/>. A lone intent whose
/// limit the quote meets, in an epoch whose pools cover it, is filled at exactly this payout (a lone swap clears at r:
/// its volume is the same at every eligible price in the band, and ties go to the price nearest r).
/// </summary>
public static class IntentQuote
{
    private const uint BpsScale = 10_000;

    /// <summary>The quote for <paramref name="request"/> under the registry <paramref name="assets"/> (its reference prices) and <paramref name="feeBps"/>.</summary>
    /// <exception cref="QuoteRejectedException">A token is not registered on its chain, or the amount is zero or too large to pay.</exception>
    /// <exception cref="ClearingInputException">The registry or fee is invalid (as the clearing would reject it).</exception>
    public static IntentQuoteResult Quote(IReadOnlyList<Asset> assets, uint feeBps, QuoteRequest request)
    {
        ArgumentNullException.ThrowIfNull(assets);
        ArgumentNullException.ThrowIfNull(request);
        var catalog = new EpochCatalog(new EpochInput
        {
            EpochId = 0,
            ClosesAt = 0,
            SettlementMarginSeconds = 0,
            FeeBps = feeBps,
            SpreadBps = 0,
            Assets = assets,
            Pools = [],
            Intents = [],
        });
        var input = catalog.Find(request.OriginChainId, request.InputToken);
        if (input < 0)
        {
            throw new QuoteRejectedException("inputToken", $"token {request.InputToken} is not registered on chain {request.OriginChainId}.");
        }

        var output = catalog.Find(request.DestinationChainId, request.OutputToken);
        if (output < 0)
        {
            throw new QuoteRejectedException("outputToken", $"token {request.OutputToken} is not registered on chain {request.DestinationChainId}.");
        }

        if (request.InputAmount.IsZero)
        {
            throw new QuoteRejectedException("inputAmount", "the input amount is zero; the clearing refunds such an intent.");
        }

        var inputKey = catalog.Keys[input];
        var outputKey = catalog.Keys[output];
        var inputAsset = catalog.Assets[inputKey.Asset];
        var outputAsset = catalog.Assets[outputKey.Asset];
        var isTransfer = inputKey.Asset == outputKey.Asset;
        var (numerator, denominator) = isTransfer
            ? (BigInteger.One, BigInteger.One)
            : Reduce(inputAsset.ReferencePrice.ToBigInteger(), outputAsset.ReferencePrice.ToBigInteger());
        var calculator = isTransfer ? GrossCalculator.Identity : new GrossCalculator(numerator, denominator);
        if (!calculator.TryCompute(request.InputAmount, inputKey.Exponent, outputKey.Exponent, out var gross, out _))
        {
            throw new QuoteRejectedException("inputAmount", $"the output of {request.InputAmount} does not fit in 256 bits at the reference price.");
        }

        var fee = new FeeSchedule(feeBps).Fee(gross);
        return new IntentQuoteResult(isTransfer, inputAsset.Id, outputAsset.Id, numerator, denominator, gross, fee, gross - fee);
    }

    /// <summary>floor(<paramref name="expectedOutput"/> × (10000 − <paramref name="slippageBps"/>) / 10000): the least output a depositor accepting that slippage should set.</summary>
    public static UInt256 MinimumOutput(UInt256 expectedOutput, uint slippageBps)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slippageBps, BpsScale);
        return UInt256.FromBigInteger(expectedOutput.ToBigInteger() * (BpsScale - slippageBps) / BpsScale);
    }

    private static (BigInteger Numerator, BigInteger Denominator) Reduce(BigInteger numerator, BigInteger denominator)
    {
        var divisor = BigInteger.GreatestCommonDivisor(numerator, denominator);
        return (numerator / divisor, denominator / divisor);
    }
}
