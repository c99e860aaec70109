using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Aggregator.Settlement;

/// <summary>
/// Turns the intents' fates into one leg per chain: releases and refunds on the origin chain, payouts on the
/// destination chain, each leg in canonical order (kind, then intent id), its leg hash, and the batch root.
/// </summary>
internal static class SettlementPlanner
{
    public static (IReadOnlyList<SettlementLeg> Legs, Bytes32 BatchRoot) Plan(ulong epochId, ReadOnlySpan<IntentWork> intents)
    {
        // Intents arrive in id order, so appending keeps every kind's actions canonical within a chain.
        var chains = new SortedDictionary<ChainId, ChainActions>();
        foreach (ref readonly var item in intents)
        {
            var intent = item.Intent;
            switch (item.Fate)
            {
                case IntentFate.Filled:
                    Actions(chains, intent.OriginChainId).Releases.Add(new SettlementAction(ActionKind.Release, intent.IntentId, intent.InputToken, Bytes32.Zero, UInt256.Zero));
                    Actions(chains, intent.DestinationChainId).Payouts.Add(new SettlementAction(ActionKind.Payout, intent.IntentId, intent.OutputToken, intent.Recipient, item.Payout));
                    break;
                case IntentFate.Refunded:
                    Actions(chains, intent.OriginChainId).Refunds.Add(new SettlementAction(ActionKind.Refund, intent.IntentId, intent.InputToken, intent.Depositor, intent.InputAmount));
                    break;
                default:
                    break;
            }
        }

        var chainIds = new ChainId[chains.Count];
        var actions = new SettlementAction[chains.Count][];
        var legHashes = new Bytes32[chains.Count];
        var c = 0;
        foreach (var (chainId, chainActions) in chains)
        {
            chainIds[c] = chainId;
            actions[c] = [.. chainActions.Releases, .. chainActions.Refunds, .. chainActions.Payouts];
            legHashes[c] = LegHasher.LegHash(chainId, epochId, actions[c]);
            c++;
        }

        var batchRoot = MerkleTree.Root(legHashes);
        var legs = new SettlementLeg[chainIds.Length];
        for (var i = 0; i < legs.Length; i++)
        {
            legs[i] = new SettlementLeg(chainIds[i], epochId, batchRoot, legHashes[i], actions[i]);
        }

        return (legs, batchRoot);
    }

    private static ChainActions Actions(SortedDictionary<ChainId, ChainActions> chains, ChainId chainId)
    {
        if (!chains.TryGetValue(chainId, out var actions))
        {
            actions = new ChainActions();
            chains.Add(chainId, actions);
        }

        return actions;
    }

    private sealed class ChainActions
    {
        public List<SettlementAction> Releases { get; } = [];

        public List<SettlementAction> Refunds { get; } = [];

        public List<SettlementAction> Payouts { get; } = [];
    }
}
