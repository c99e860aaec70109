namespace DiscreteExec.Core.Settlement;

/// <summary>One chain's share of an epoch's batch: its actions in canonical order and the batch root they belong to.</summary>
public sealed record SettlementLeg(ChainId ChainId, ulong EpochId, Bytes32 BatchRoot, Bytes32 LegHash, IReadOnlyList<SettlementAction> Actions);
