using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Tests.Integration;

/// <summary>Builds a realistic leg on the dev node: opened intents to release and refund, a funded pool, fresh payout recipients.</summary>
internal sealed class LegScenario
{
    public required SettlementLeg Leg { get; init; }

    public required IReadOnlyList<(Bytes32 Owner, ulong Amount)> Payouts { get; init; }

    public required IReadOnlyList<(Bytes32 IntentId, Bytes32 Depositor, ulong Amount)> Refunds { get; init; }

    public required ulong ReleasedTotal { get; init; }

    public required (Bytes32 Owner, ulong Amount) Withdraw { get; init; }

    public static async Task<LegScenario> CreateAsync(DevnodeFixture node, string label, ulong epoch, int releases, int refunds, int payouts, bool withdraw = true, string? recipientLabel = null)
    {
        using var depositor = DevnodeFixture.Key($"{label}-depositor");
        using var funder = DevnodeFixture.Key($"{label}-funder");
        await node.FundSolAsync(depositor.PublicKey, funder.PublicKey);
        await node.MintToAsync(depositor.PublicKey, 100_000_000);
        var funderAta = await node.MintToAsync(funder.PublicKey, 500_000_000);
        await node.SendAsync([node.Escrow.Fund(funder.PublicKey, funderAta, node.Mint, 400_000_000)], funder);

        var actions = new List<SettlementAction>();
        var deadline = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 7200;
        ulong released = 0;
        var refundList = new List<(Bytes32, Bytes32, ulong)>();
        for (var i = 0; i < releases + refunds; i++)
        {
            var amount = 1_000_000 + (ulong)(i * 1000);
            var p = new OpenIntentParams(node.Mint, amount, DevnodeFixture.EvmChain, Bytes32.FromUInt64(5), 1, Bytes32.FromUInt64(6), deadline);
            var (nonce, _) = await node.OpenAsync(depositor, p);
            var id = Core.Intents.IntentId.Compute(new ChainId(DevnodeFixture.ChainIdValue), node.Escrow.ProgramId, nonce);
            if (i < releases)
            {
                actions.Add(new SettlementAction(ActionKind.Release, id, node.Mint, Bytes32.Zero, UInt256.Zero));
                released += amount;
            }
            else
            {
                actions.Add(new SettlementAction(ActionKind.Refund, id, node.Mint, depositor.PublicKey, amount));
                refundList.Add((id, depositor.PublicKey, amount));
            }
        }

        var payoutList = new List<(Bytes32, ulong)>();
        for (var i = 0; i < payouts; i++)
        {
            using var recipient = DevnodeFixture.Key($"{recipientLabel ?? label}-recipient-{i}");
            var amount = 2_000_000 + (ulong)i;
            var sourceIntent = new Bytes32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{label}-source-{i}")));
            actions.Add(new SettlementAction(ActionKind.Payout, sourceIntent, node.Mint, recipient.PublicKey, amount));
            payoutList.Add((recipient.PublicKey, amount));
        }

        using var treasury = DevnodeFixture.Key($"{label}-treasury");
        if (withdraw)
        {
            actions.Add(new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, node.Mint, treasury.PublicKey, 3_000_000));
        }

        actions.Sort(SettlementAction.CompareCanonical);
        var chain = new ChainId(DevnodeFixture.ChainIdValue);
        var leaves = SettlementLeaf.Hashes(chain, epoch, actions);
        var legHash = Core.Hashing.MerkleTree.Root(leaves);
        var leg = new SettlementLeg(chain, epoch, legHash, legHash, actions);
        return new LegScenario { Leg = leg, Payouts = payoutList, Refunds = refundList, ReleasedTotal = released, Withdraw = (treasury.PublicKey, withdraw ? 3_000_000ul : 0) };
    }

    /// <summary>The leg's chunks as every node plans them for <paramref name="submitter"/>'s limits.</summary>
    /// Payouts pay intents released on another chain: the planner sees that origin leg too (here the EVM chain's
    /// Releases of the payouts' source intents), then only this chain's chunks are kept.
    public static IReadOnlyList<SettlementChunk> Plan(SettlementLeg leg, IChunkSubmitter submitter)
    {
        var sources = leg.Actions.Where(a => a.Kind == ActionKind.Payout)
            .Select(a => new SettlementAction(ActionKind.Release, a.IntentId, Bytes32.FromUInt64(0xE0), Bytes32.Zero, UInt256.Zero))
            .Order(Comparer<SettlementAction>.Create(SettlementAction.CompareCanonical)).ToArray();
        IReadOnlyList<SettlementLeg> legs = sources.Length == 0 ? [leg] : [leg, new SettlementLeg(DevnodeFixture.EvmChain, leg.EpochId, leg.BatchRoot, Bytes32.Zero, sources)];
        return [.. Aggregator.Settlement.SettlementChunkPlanner.Plan(legs, c => c == leg.ChainId ? submitter.Limits : new ChunkLimits(32, 32)).Where(c => c.ChainId == leg.ChainId)];
    }

    /// <summary>Submits every planned chunk of <paramref name="leg"/> in order (Release chunks first).</summary>
    public static async Task<IReadOnlyList<ChunkSubmission>> SubmitLegAsync(IChunkSubmitter submitter, SettlementLeg leg)
    {
        var results = new List<ChunkSubmission>();
        foreach (var chunk in Plan(leg, submitter))
        {
            results.Add(await submitter.SubmitAsync(chunk, default));
        }

        return results;
    }

    /// <summary>Token balances of every account the leg pays, and the pool state.</summary>
    public async Task<(ulong[] Payouts, ulong Refund, ulong Treasury, EscrowPool Pool)> BalancesAsync(DevnodeFixture node)
    {
        var payouts = new ulong[Payouts.Count];
        for (var i = 0; i < payouts.Length; i++)
        {
            payouts[i] = await node.TokenBalanceAsync(ProgramAddress.AssociatedTokenAccount(Payouts[i].Owner, node.Mint));
        }

        var refund = Refunds.Count == 0 ? 0 : await node.TokenBalanceAsync(ProgramAddress.AssociatedTokenAccount(Refunds[0].Depositor, node.Mint));
        var treasury = await node.TokenBalanceAsync(ProgramAddress.AssociatedTokenAccount(Withdraw.Owner, node.Mint));
        return (payouts, refund, treasury, await node.PoolAsync());
    }
}
