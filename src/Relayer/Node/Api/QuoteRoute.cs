using System.Globalization;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// <c>/v1/quote</c>: what a would-be intent receives at the current reference prices and fee (the clearing's own
/// <see cref="IntentQuote"/>), the minimum output for a slippage, a deadline that survives the settlement margin,
/// whether the destination pool's cap covers it, and when the open epoch closes at the latest.
/// </summary>
internal static class QuoteRoute
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/quote", GetAsync)
            .WithName("GetQuote")
            .WithSummary("The expected output of an intent at the current reference price and fee, the minimum output for a slippage (slippageBps, default from configuration), the deadline to use, whether the destination pool can cover it, and the open epoch's latest close.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<Results<Ok<QuoteView>, ProblemHttpResult>> GetAsync(
        string? originChainId,
        string? inputToken,
        string? inputAmount,
        string? destinationChainId,
        string? outputToken,
        string? slippageBps,
        ApiOptions api,
        TimeProvider time,
        IEpochStore epochs,
        IIntentStore intents,
        IServiceProvider services,
        CancellationToken cancellationToken)
    {
        if (!ApiParameters.TryChainId("originChainId", originChainId, out var origin, out var problem)
            || !ApiParameters.TryToken("inputToken", inputToken, out var input, out problem)
            || !ApiParameters.TryAmount("inputAmount", inputAmount, out var amount, out problem)
            || !ApiParameters.TryChainId("destinationChainId", destinationChainId, out var destination, out problem)
            || !ApiParameters.TryToken("outputToken", outputToken, out var output, out problem)
            || !TrySlippage(slippageBps, api.DefaultSlippageBps, out var slippage, out problem))
        {
            return problem!;
        }

        if (services.GetService(typeof(EpochLoopOptions)) is not EpochLoopOptions loop || services.GetService(typeof(IPriceFeed)) is not IPriceFeed feed)
        {
            return Unavailable("This node's API runs without the clearing settings or the price feed, so it cannot quote.");
        }

        IReadOnlyList<ReferencePrice> prices;
        try
        {
            prices = await feed.CurrentAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (PriceUnavailableException ex)
        {
            return Unavailable(ex.Message);
        }

        var current = prices.ToDictionary(p => p.AssetId, p => p.Price, StringComparer.Ordinal);
        var assets = loop.Assets.Select(a => current.TryGetValue(a.Id, out var price) ? a with { ReferencePrice = price } : a).ToArray();
        IntentQuoteResult quote;
        try
        {
            quote = IntentQuote.Quote(assets, loop.FeeBps, new QuoteRequest(origin, input, amount, destination, output));
        }
        catch (QuoteRejectedException ex) when (ex.Field is "inputToken" or "outputToken")
        {
            return ApiParameters.NotFound($"{ex.Field}: {ex.Message}");
        }
        catch (QuoteRejectedException ex)
        {
            return ApiParameters.BadParameter(ex.Field, ex.Message);
        }

        if (services.GetService(typeof(IntentBuildChains)) is IntentBuildChains chains)
        {
            // A Solana escrow holds u64 amounts: an input it cannot take, or an output it cannot pay, is no quote.
            if (chains.IsSolana(origin) && !amount.FitsUInt64)
            {
                return ApiParameters.BadParameter("inputAmount", $"{amount} exceeds the 64-bit amounts of an SPL token (chain {origin} is a Solana cluster).");
            }

            if (chains.IsSolana(destination) && !quote.ExpectedOutput.FitsUInt64)
            {
                return ApiParameters.BadParameter("inputAmount", $"the expected output {quote.ExpectedOutput} exceeds the 64-bit amounts of an SPL token on chain {destination}, a Solana cluster.");
            }
        }

        var now = time.GetUtcNow();
        var validity = TimeSpan.FromSeconds(loop.SettlementMarginSeconds) + loop.Triggers.MaxDuration;
        var deadline = now + (api.QuoteValidity > validity ? api.QuoteValidity : validity);
        var pool = await PoolAsync(epochs, destination, output, quote.ExpectedOutput, cancellationToken).ConfigureAwait(false);
        var epoch = await EpochAsync(epochs, intents, loop, now, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new QuoteView(
            origin.Value,
            input,
            amount,
            destination.Value,
            output,
            quote.IsTransfer ? "transfer" : "swap",
            quote.InputAssetId,
            quote.OutputAssetId,
            quote.PriceNumerator.ToString(CultureInfo.InvariantCulture),
            quote.PriceDenominator.ToString(CultureInfo.InvariantCulture),
            loop.FeeBps,
            quote.GrossOutput,
            quote.Fee,
            quote.ExpectedOutput,
            slippage,
            IntentQuote.MinimumOutput(quote.ExpectedOutput, slippage),
            (ulong)deadline.ToUnixTimeSeconds(),
            loop.SettlementMarginSeconds,
            pool,
            epoch));
    }

    private static bool TrySlippage(string? text, int defaultBps, out uint slippage, out ProblemHttpResult? problem)
    {
        problem = null;
        slippage = (uint)defaultBps;
        if (text is null)
        {
            return true;
        }

        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out slippage) && slippage <= 10_000)
        {
            return true;
        }

        problem = ApiParameters.BadParameter("slippageBps", $"'{text}' is not a slippage in basis points (0 to 10000).");
        return false;
    }

    // The newest margin figures of the destination pool: its cap for the next epoch bounds what can be paid out.
    private static async Task<QuotePoolView?> PoolAsync(IEpochStore epochs, ChainId chain, Bytes32 token, UInt256 expected, CancellationToken cancellationToken)
    {
        if (await PoolRoutes.NewestAsync(epochs, cancellationToken).ConfigureAwait(false) is not { } newest)
        {
            return null;
        }

        return newest.Pools.FirstOrDefault(p => p.ChainId == chain && p.Token == token) is { } pool
            ? new QuotePoolView(newest.EpochId, pool.Balance, pool.NextEpochCap, pool.BelowFloor, expected <= pool.NextEpochCap)
            : new QuotePoolView(newest.EpochId, UInt256.Zero, UInt256.Zero, true, false);
    }

    private static async Task<QuoteEpochView?> EpochAsync(IEpochStore epochs, IIntentStore intents, EpochLoopOptions loop, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await epochs.CurrentAsync(cancellationToken).ConfigureAwait(false) is not { } record)
        {
            return null;
        }

        var open = await intents.OpenCountAsync(cancellationToken).ConfigureAwait(false);
        if (record.Stage == EpochStage.Margined)
        {
            // Settled to the end: the loop opens the next epoch at its next poll.
            var next = now + loop.PollInterval + loop.Triggers.MaxDuration;
            return new QuoteEpochView(record.EpochId + 1, EpochStage.Open, open, loop.Triggers.MaxIntentCount, (ulong)next.ToUnixTimeSeconds());
        }

        ulong? closesBy = null;
        if (record.Stage == EpochStage.Open)
        {
            // The duration trigger fires at the latest; an empty book is never closed, so a late epoch closes on the next poll after an intent arrives.
            var latest = DateTimeOffset.FromUnixTimeMilliseconds(record.OpenedAtUnixMilliseconds) + loop.Triggers.MaxDuration;
            closesBy = (ulong)(latest > now ? latest : now + loop.PollInterval).ToUnixTimeSeconds();
        }

        return new QuoteEpochView(record.EpochId, record.Stage, open, loop.Triggers.MaxIntentCount, closesBy);
    }

    private static ProblemHttpResult Unavailable(string detail) =>
        TypedResults.Problem(title: "Quote unavailable", detail: detail, statusCode: StatusCodes.Status503ServiceUnavailable);
}

/// <summary>
/// A quote. <c>priceNumerator/priceDenominator</c> is output asset units per input asset unit (1/1 for a transfer);
/// <c>expectedOutput</c> = <c>grossOutput</c> − <c>fee</c>; <c>minOutput</c> is what to put in the intent for
/// <c>slippageBps</c>; <c>deadline</c> is Unix seconds.
/// </summary>
internal sealed record QuoteView(
    ulong OriginChainId,
    Bytes32 InputToken,
    UInt256 InputAmount,
    ulong DestinationChainId,
    Bytes32 OutputToken,
    string Kind,
    string InputAssetId,
    string OutputAssetId,
    string PriceNumerator,
    string PriceDenominator,
    uint FeeBps,
    UInt256 GrossOutput,
    UInt256 Fee,
    UInt256 ExpectedOutput,
    uint SlippageBps,
    UInt256 MinOutput,
    ulong Deadline,
    ulong SettlementMarginSeconds,
    QuotePoolView? DestinationPool,
    QuoteEpochView? Epoch);

/// <summary>The destination pool after margined epoch <c>epochId</c>: <c>canCover</c> when the expected output is within the next epoch's cap.</summary>
internal sealed record QuotePoolView(ulong EpochId, UInt256 Balance, UInt256 NextEpochCap, bool BelowFloor, bool CanCover);

/// <summary>
/// The epoch a new intent joins: the open one, with <c>closesBy</c> (Unix seconds) its latest close (sooner when
/// <c>maxIntentCount</c> or another trigger fires); after a fully settled epoch, the next one, opening at the loop's
/// next poll; while an epoch settles, that epoch with <c>closesBy</c> null (the next opens once it is margined).
/// </summary>
internal sealed record QuoteEpochView(ulong EpochId, EpochStage Stage, long OpenIntents, int MaxIntentCount, ulong? ClosesBy);
