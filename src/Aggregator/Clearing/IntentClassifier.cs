using System.Runtime.CompilerServices;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// Orders the intents by id (rejecting duplicates) and sorts each into refund (invalid or expired), transfer
/// (same asset in and out) or swap (a pair of assets); an intent whose limit no gross can meet is deferred.
/// </summary>
internal static class IntentClassifier
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static EpochWork Classify(EpochInput input, EpochCatalog catalog)
    {
        var intents = input.Intents;
        var order = OrderById(intents);
        for (var i = 1; i < order.Length; i++)
        {
            if (intents[order[i]].IntentId == intents[order[i - 1]].IntentId)
            {
                throw new ClearingInputException($"Intent {intents[order[i]].IntentId} appears more than once.");
            }
        }

        var work = new EpochWork(input, catalog, new IntentWork[order.Length]);
        var firstValidDeadline = (UInt128)input.ClosesAt + input.SettlementMarginSeconds;

        // Each intent is classified on its own and written at its id rank, so ranges run on every core. The input is
        // walked in its own order: its records then stream from memory, where reading them in id order would miss
        // the cache on every one of their lines.
        var rank = new int[order.Length];
        for (var i = 0; i < order.Length; i++)
        {
            rank[order[i]] = i;
        }

        IntentRanges.For(order.Length, j => ClassifyOne(work, intents[j], firstValidDeadline, ref work.Intents[rank[j]]));

        return work;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ClassifyOne(EpochWork work, Intent intent, UInt128 firstValidDeadline, ref IntentWork item)
    {
        var catalog = work.Catalog;
        item.Intent = intent;
        item.Input = intent.InputAmount;
        item.Deadline = intent.FillDeadline;
        item.InputKey = catalog.Find(intent.OriginChainId, intent.InputToken);
        item.OutputKey = catalog.Find(intent.DestinationChainId, intent.OutputToken);
        item.RefundReason =
            item.InputKey < 0 ? RefundReasons.UnknownInputToken
            : item.OutputKey < 0 ? RefundReasons.UnknownOutputToken
            : intent.InputAmount.IsZero ? RefundReasons.ZeroAmount
            : !catalog.CanPay(intent.DestinationChainId, intent.Recipient) ? RefundReasons.InvalidRecipient
            : intent.FillDeadline < firstValidDeadline ? RefundReasons.Expired
            : null;
        if (item.RefundReason is not null)
        {
            item.Fate = IntentFate.Refunded;
            return;
        }

        if (!work.Fees.TryRequiredGross(intent.MinOutputAmount, out item.Required))
        {
            item.Fate = IntentFate.Deferred;
            return;
        }

        var inputAsset = catalog.Keys[item.InputKey].Asset;
        var outputAsset = catalog.Keys[item.OutputKey].Asset;
        item.SellsBase = inputAsset < outputAsset;
        item.Pair = inputAsset == outputAsset ? -1 : (Math.Min(inputAsset, outputAsset) * work.AssetCount) + Math.Max(inputAsset, outputAsset);
    }

    /// <summary>
    /// Indices of the intents in ascending id order. Sorting on the ids' first eight bytes (a primitive key, so the
    /// runtime's fastest sort) and then fully sorting the rare runs sharing those bytes gives the bytewise order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int[] OrderById(IReadOnlyList<Intent> intents)
    {
        var prefixes = new ulong[intents.Count];
        var order = new int[intents.Count];
        Span<byte> bytes = stackalloc byte[32];
        for (var i = 0; i < order.Length; i++)
        {
            intents[i].IntentId.CopyTo(bytes);
            prefixes[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes);
            order[i] = i;
        }

        KeyedSort.Sort(prefixes, order, (a, b) => intents[a].IntentId.CompareTo(intents[b].IntentId));
        return order;
    }
}
