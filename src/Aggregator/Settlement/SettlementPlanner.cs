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
        var chains = new LegTable();
        foreach (ref readonly var item in intents.AsSpan())
        {
            switch (item.Fate)
            {
                case IntentFate.Filled:
                    chains.Get(item.Intent.OriginChainId).Releases++;
                    chains.Get(item.Intent.DestinationChainId).Payouts++;
                    break;
                case IntentFate.Refunded:
                    chains.Get(item.Intent.OriginChainId).Refunds++;
                    break;
                default:
                    break;
            }
        }

        var (chainIds, layouts) = chains.ByChainId();
        foreach (var layout in layouts)
        {
            layout.Allocate();
        }

        // Second pass: intents are in id order, so writing each kind's actions in turn keeps every leg canonical.
        foreach (ref readonly var item in intents.AsSpan())
        {
            var intent = item.Intent;
            switch (item.Fate)
            {
                case IntentFate.Filled:
                    var origin = chains.Get(intent.OriginChainId);
                    origin.Actions[origin.NextRelease++] = new SettlementAction(ActionKind.Release, intent.IntentId, intent.InputToken, Bytes32.Zero, UInt256.Zero);
                    var destination = chains.Get(intent.DestinationChainId);
                    destination.Actions[destination.NextPayout++] = new SettlementAction(ActionKind.Payout, intent.IntentId, intent.OutputToken, intent.Recipient, item.Payout);
                    break;
                case IntentFate.Refunded:
                    var refundLeg = chains.Get(intent.OriginChainId);
                    refundLeg.Actions[refundLeg.NextRefund++] = new SettlementAction(ActionKind.Refund, intent.IntentId, intent.InputToken, intent.Depositor, intent.InputAmount);
                    break;
                default:
                    break;
            }
        }

        var actions = layouts.Select(l => l.Actions).ToArray();
        var legHashes = LegHasher.LegHashes(chainIds, epochId, actions);
        var batchRoot = MerkleTree.Root(legHashes);
        var legs = new SettlementLeg[chainIds.Length];
        for (var i = 0; i < legs.Length; i++)
        {
            legs[i] = new SettlementLeg(chainIds[i], epochId, batchRoot, legHashes[i], actions[i]);
        }

        return (legs, batchRoot);
    }

    /// <summary>
    /// The legs by chain: a hash lookup per action (the tree the legs end up ordered by costs several times more per
    /// lookup), sorted once at the end. Not a linear scan: refunds can name any number of unknown chains.
    /// </summary>
    private sealed class LegTable
    {
        private readonly Dictionary<ChainId, LegLayout> _layouts = [];

        public LegLayout Get(ChainId chainId)
        {
            if (!_layouts.TryGetValue(chainId, out var layout))
            {
                layout = new LegLayout();
                _layouts.Add(chainId, layout);
            }

            return layout;
        }

        /// <summary>Chains ascending, each with its layout.</summary>
        public (ChainId[] ChainIds, LegLayout[] Layouts) ByChainId()
        {
            var chainIds = _layouts.Keys.ToArray();
            var layouts = _layouts.Values.ToArray();
            Array.Sort(chainIds, layouts);
            return (chainIds, layouts);
        }
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
