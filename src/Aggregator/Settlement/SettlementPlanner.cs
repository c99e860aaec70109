using System.Runtime.CompilerServices;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Settlement;

/// <summary>
/// Turns the intents' fates into one leg per chain: releases and refunds on the origin chain, payouts on the
/// destination chain, each leg in canonical order (kind, then intent id), its leg hash, and the batch root.
/// </summary>
internal static class SettlementPlanner
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (IReadOnlyList<SettlementLeg> Legs, Bytes32 BatchRoot) Plan(ulong epochId, IntentWork[] intents)
    {
        // First pass: how many actions of each kind every chain gets, so each leg is one exactly sized array.
        var chains = new SortedDictionary<ChainId, LegLayout>();
        foreach (ref readonly var item in intents.AsSpan())
        {
            switch (item.Fate)
            {
                case IntentFate.Filled:
                    Layout(chains, item.Intent.OriginChainId).Releases++;
                    Layout(chains, item.Intent.DestinationChainId).Payouts++;
                    break;
                case IntentFate.Refunded:
                    Layout(chains, item.Intent.OriginChainId).Refunds++;
                    break;
                default:
                    break;
            }
        }

        foreach (var layout in chains.Values)
        {
            layout.Allocate();
        }

        // Second pass: intents are in id order, so writing each kind's actions in turn keeps every leg canonical.
        var last = default(ChainId);
        LegLayout? cached = null;
        LegLayout Leg(ChainId chainId)
        {
            if (cached is null || chainId != last)
            {
                cached = chains[chainId];
                last = chainId;
            }

            return cached;
        }

        foreach (ref readonly var item in intents.AsSpan())
        {
            var intent = item.Intent;
            switch (item.Fate)
            {
                case IntentFate.Filled:
                    var origin = Leg(intent.OriginChainId);
                    origin.Actions[origin.NextRelease++] = new SettlementAction(ActionKind.Release, intent.IntentId, intent.InputToken, Bytes32.Zero, UInt256.Zero);
                    var destination = Leg(intent.DestinationChainId);
                    destination.Actions[destination.NextPayout++] = new SettlementAction(ActionKind.Payout, intent.IntentId, intent.OutputToken, intent.Recipient, item.Payout);
                    break;
                case IntentFate.Refunded:
                    var refundLeg = Leg(intent.OriginChainId);
                    refundLeg.Actions[refundLeg.NextRefund++] = new SettlementAction(ActionKind.Refund, intent.IntentId, intent.InputToken, intent.Depositor, intent.InputAmount);
                    break;
                default:
                    break;
            }
        }

        var chainIds = chains.Keys.ToArray();
        var actions = chains.Values.Select(l => l.Actions).ToArray();
        var legHashes = LegHasher.LegHashes(chainIds, epochId, actions);
        var batchRoot = MerkleTree.Root(legHashes);
        var legs = new SettlementLeg[chainIds.Length];
        for (var i = 0; i < legs.Length; i++)
        {
            legs[i] = new SettlementLeg(chainIds[i], epochId, batchRoot, legHashes[i], actions[i]);
        }

        return (legs, batchRoot);
    }

    private static LegLayout Layout(SortedDictionary<ChainId, LegLayout> chains, ChainId chainId)
    {
        if (!chains.TryGetValue(chainId, out var layout))
        {
            layout = new LegLayout();
            chains.Add(chainId, layout);
        }

        return layout;
    }

    /// <summary>One leg's array: releases, then refunds, then payouts, each written at its own cursor.</summary>
    private sealed class LegLayout
    {
        public int Releases { get; set; }

        public int Refunds { get; set; }

        public int Payouts { get; set; }

        public SettlementAction[] Actions { get; private set; } = [];

        public int NextRelease { get; set; }

        public int NextRefund { get; set; }

        public int NextPayout { get; set; }

        public void Allocate()
        {
            Actions = new SettlementAction[Releases + Refunds + Payouts];
            NextRelease = 0;
            NextRefund = Releases;
            NextPayout = Releases + Refunds;
        }
    }
}
