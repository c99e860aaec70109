using System.Globalization;
using System.Numerics;
using System.Text.Json;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.ClearingFiles;

/// <summary>
/// Reads a batch.json written by <see cref="BatchFileWriter"/> back into a <see cref="SettlementBatch"/>, for
/// tests and audits. It parses; it does not recompute hashes (an auditor re-clears the epoch for that).
/// Unknown fields are ignored; the first problem is reported as a <see cref="BatchFileException"/>.
/// </summary>
public static class BatchFileReader
{
    public static async Task<SettlementBatch> ReadAsync(string path, CancellationToken cancellationToken)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BatchFileException($"cannot read the file: {ex.Message}", ex);
        }

        return Parse(bytes);
    }

    public static SettlementBatch Parse(ReadOnlyMemory<byte> utf8)
    {
        using var document = JsonFields.ParseDocument(utf8, Fail);
        var root = JsonFields.Root(document, Fail);
        var epochId = root.UInt64("epochId");
        var batchRoot = root.Bytes32("batchRoot");

        var legs = new List<SettlementLeg>();
        foreach (var legItem in root.Objects("legs"))
        {
            var chainId = new ChainId(legItem.UInt64("chainId"));
            var legHash = legItem.Bytes32("legHash");
            var actions = legItem.Objects("actions").Select(ReadAction).ToList();
            legs.Add(new SettlementLeg(chainId, epochId, batchRoot, legHash, actions));
        }

        var prices = root.Objects("prices").Select(ReadPrice).ToList();
        return new SettlementBatch
        {
            EpochId = epochId,
            BatchRoot = batchRoot,
            Legs = legs,
            Prices = prices,
            Filled = ReadIds(root, "filled"),
            Refunded = ReadIds(root, "refunded"),
            Deferred = ReadIds(root, "deferred"),
            Stats = ReadStats(root),
        };
    }

    private static SettlementAction ReadAction(JsonFields item)
    {
        var kindText = item.String("kind");
        var kind = kindText switch
        {
            "release" => ActionKind.Release,
            "refund" => ActionKind.Refund,
            "payout" => ActionKind.Payout,
            "withdraw" => ActionKind.Withdraw,
            _ => throw item.FieldError("kind", $"'{kindText}' is not one of release, refund, payout, withdraw"),
        };
        return new SettlementAction(kind, item.Bytes32("intentId"), item.Bytes32("token"), item.Bytes32("account"), item.Amount("amount"));
    }

    private static PairPrice ReadPrice(JsonFields item)
    {
        var baseAsset = item.String("base");
        var quoteAsset = item.String("quote");
        var text = item.String("price");
        var parts = text.Split('/');
        if (parts.Length != 2
            || !BigInteger.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var numerator)
            || !BigInteger.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var denominator)
            || denominator.IsZero)
        {
            throw item.FieldError("price", $"\"{text}\" is not \"numerator/denominator\" with a positive denominator");
        }

        return new PairPrice(baseAsset, quoteAsset, numerator, denominator);
    }

    private static List<Bytes32> ReadIds(JsonFields root, string field)
    {
        var value = root.Get(field);
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw root.FieldError(field, "expected an array of intent ids");
        }

        var ids = new List<Bytes32>(value.GetArrayLength());
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || !Bytes32.TryParse(item.GetString(), out var id))
            {
                throw root.FieldError($"{field}[{ids.Count.ToString(CultureInfo.InvariantCulture)}]", $"{item.GetRawText()} is not 0x-hex of 32 bytes");
            }

            ids.Add(id);
        }

        return ids;
    }

    private static ClearingStats ReadStats(JsonFields root)
    {
        var value = root.Get("stats");
        try
        {
            return value.Deserialize<ClearingStats>(ClearingJson.RecordOptions)
                ?? throw root.FieldError("stats", "expected an object, got null");
        }
        catch (JsonException ex)
        {
            throw root.FieldError("stats", $"{ex.Message} (at {ex.Path})");
        }
    }

    private static BatchFileException Fail(string message) => new(message);
}
