using System.Globalization;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.ClearingFiles;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// The human-readable summary of a cleared epoch: counts, prices, legs, refunds, deferrals and the root.
/// Plain text with aligned columns and no colour, so that it reads the same in a terminal, a pipe or a log.
/// </summary>
internal static class BatchSummary
{
    /// <summary>Longer id lists are cut to this many lines; the batch file has them all.</summary>
    public const int MaxListedIds = 10;

    public static void Write(TextWriter writer, EpochInput epoch, SettlementBatch batch, string? outputPath, string? checkedPath)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(epoch);
        ArgumentNullException.ThrowIfNull(batch);

        Line(writer, string.Create(
            CultureInfo.InvariantCulture,
            $"epoch {batch.EpochId} cleared (closes at {epoch.ClosesAt}, settlement margin {epoch.SettlementMarginSeconds} s, fee {epoch.FeeBps} bps, spread {epoch.SpreadBps} bps)"));
        Line(writer, string.Empty);

        var counts = new TextTable("INTENTS", "FILLED", "REFUNDED", "DEFERRED");
        counts.Add(Number(epoch.Intents.Count), Number(batch.Filled.Count), Number(batch.Refunded.Count), Number(batch.Deferred.Count));
        counts.WriteTo(writer, string.Empty);
        Line(writer, string.Empty);

        if (batch.Prices.Count == 0)
        {
            Line(writer, "prices: none (no asset pair traded)");
        }
        else
        {
            Line(writer, "prices (whole quote tokens per whole base token):");
            var prices = new TextTable("BASE", "QUOTE", "PRICE (EXACT)", "APPROX.");
            foreach (var price in batch.Prices)
            {
                prices.Add(price.Base, price.Quote, BatchFileWriter.PriceText(price), FractionFormat.Approximate(price.Numerator, price.Denominator));
            }

            prices.WriteTo(writer, "  ");
        }

        Line(writer, string.Empty);
        Line(writer, "legs:");
        var legs = new TextTable("CHAIN", "RELEASE", "REFUND", "PAYOUT", "WITHDRAW", "LEG HASH");
        foreach (var leg in batch.Legs)
        {
            legs.Add(
                leg.ChainId.ToString(),
                Count(leg, ActionKind.Release),
                Count(leg, ActionKind.Refund),
                Count(leg, ActionKind.Payout),
                Count(leg, ActionKind.Withdraw),
                leg.LegHash.ToString());
        }

        legs.WriteTo(writer, "  ");
        var reasons = batch.Stats.Refunds.ToDictionary(r => r.IntentId, r => r.Reason);
        WriteIds(writer, "refunded", batch.Refunded, reasons);
        WriteIds(writer, "deferred", batch.Deferred, null);

        Line(writer, string.Empty);
        Line(writer, $"batch root  {batch.BatchRoot}");
        if (outputPath is not null)
        {
            Line(writer, $"written to  {outputPath}");
        }

        if (checkedPath is not null)
        {
            Line(writer, $"checked     {checkedPath}: identical");
        }
    }

    private static void WriteIds(TextWriter writer, string title, IReadOnlyList<Bytes32> ids, Dictionary<Bytes32, string>? reasons)
    {
        if (ids.Count == 0)
        {
            return;
        }

        Line(writer, string.Empty);
        Line(writer, $"{title}:");
        foreach (var id in ids.Take(MaxListedIds))
        {
            Line(writer, reasons is not null && reasons.TryGetValue(id, out var reason) ? $"  {id}  {reason}" : $"  {id}");
        }

        if (ids.Count > MaxListedIds)
        {
            Line(writer, $"  ... and {Number(ids.Count - MaxListedIds)} more (see the batch file)");
        }
    }

    private static string Count(SettlementLeg leg, ActionKind kind) => Number(leg.Actions.Count(a => a.Kind == kind));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Line(TextWriter writer, string text)
    {
        writer.Write(text);
        writer.Write('\n');
    }
}
