using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Epochs;
using DiscreteExec.Relayer.Node.Prices;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// The proposer's side: the <see cref="EpochProposed"/> message of a closed epoch's input and its batch, in the round
/// given (the caller binds the batch root to it: <see cref="EpochRounds.Bind"/>).
/// </summary>
internal static class EpochProposals
{
    public static EpochProposed Create(
        int proposerIndex, string proposerId, EpochInput input, SettlementBatch batch,
        IReadOnlyList<ReferencePrice> prices, IReadOnlyList<(ChainId ChainId, ChainCursor Cursor)> cursors, uint round = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentNullException.ThrowIfNull(cursors);
        return new EpochProposed
        {
            EpochId = input.EpochId,
            ProposerIndex = proposerIndex,
            ProposerId = proposerId,
            ClosesAt = input.ClosesAt,
            FeeBps = input.FeeBps,
            SpreadBps = input.SpreadBps,
            SettlementMarginSeconds = input.SettlementMarginSeconds,
            Prices = [.. prices.OrderBy(p => p.AssetId, StringComparer.Ordinal).Select(p => new ProposedPrice(p.AssetId, p.Price, p.Source, p.ObservedAt.ToUnixTimeMilliseconds()))],
            Cursors = [.. cursors.OrderBy(c => c.ChainId).Select(c => new ProposedCursor(c.ChainId, c.Cursor.Height, c.Cursor.Hash))],
            IntentIds = [.. input.Intents.Select(i => i.IntentId).Order()],
            Pools = [.. input.Pools.Select(p => new ProposedPool(p.ChainId, p.Token, p.Balance))],
            ManifestHash = EpochManifest.Hash(EpochManifest.ToUtf8(input, prices, cursors)),
            BatchRoot = batch.BatchRoot,
            Round = round,
        };
    }
}
