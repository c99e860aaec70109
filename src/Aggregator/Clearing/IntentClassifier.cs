using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>
/// Orders the intents by id (rejecting duplicates) and sorts each into refund (invalid or expired), transfer
/// (same asset in and out) or swap (a pair of assets); an intent whose limit no gross can meet is deferred.
/// </summary>
internal static class IntentClassifier
{
    public static EpochWork Classify(EpochInput input, EpochCatalog catalog)
    {
        var intents = input.Intents;
        var ids = new Bytes32[intents.Count];
        var order = new int[intents.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = intents[i].IntentId;
            order[i] = i;
        }

        Array.Sort(ids, order);
        for (var i = 1; i < ids.Length; i++)
        {
            if (ids[i] == ids[i - 1])
            {
                throw new ClearingInputException($"Intent {ids[i]} appears more than once.");
            }
        }

        var work = new EpochWork(input, catalog, new IntentWork[ids.Length]);
        var firstValidDeadline = (UInt128)input.ClosesAt + input.SettlementMarginSeconds;
        var assetCount = catalog.Assets.Length;
        for (var i = 0; i < ids.Length; i++)
        {
            var intent = intents[order[i]];
            ref var item = ref work.Intents[i];
            item.Intent = intent;
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
                continue;
            }

            if (!work.Fees.TryRequiredGross(intent.MinOutputAmount, out item.Required))
            {
                item.Fate = IntentFate.Deferred;
                continue;
            }

            var inputAsset = catalog.Keys[item.InputKey].Asset;
            var outputAsset = catalog.Keys[item.OutputKey].Asset;
            item.SellsBase = inputAsset < outputAsset;
            item.Pair = inputAsset == outputAsset ? -1 : (Math.Min(inputAsset, outputAsset) * assetCount) + Math.Max(inputAsset, outputAsset);
        }

        return work;
    }
}
