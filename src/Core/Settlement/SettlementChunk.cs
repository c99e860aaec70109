namespace DiscreteExec.Core.Settlement;

/// <summary>What a chunk carries. Release chunks transfer no tokens, so nothing a depositor controls can block them.</summary>
public enum ChunkStage : byte
{
    /// <summary>Releases only; applied and final on the origin chain before any payout of the intents they release.</summary>
    Release = 0,

    /// <summary>Refunds, Payouts or Withdraws (never mixed with Releases).</summary>
    Transfer = 1,
}

/// <summary>A chunk named by its chain and its index within that chain's leg.</summary>
public readonly record struct ChunkReference(ChainId ChainId, uint Index);

/// <summary>How many actions one chunk of a chain may carry, by stage; fixed per deployment so every node plans the same chunks.</summary>
public readonly record struct ChunkLimits(int MaxReleases, int MaxTransfers)
{
    public void Validate(ChainId chainId)
    {
        if (MaxReleases < 1 || MaxTransfers < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(chainId), $"Chunk limits for chain {chainId} must be at least 1 (releases {MaxReleases}, transfers {MaxTransfers}).");
        }
    }
}

/// <summary>
/// One chunk of a chain's leg exactly as every node plans it: the unit that is signed, submitted and applied once.
/// <see cref="AwaitsRelease"/> names the origin Release chunk whose intents this chunk pays; such a chunk is sent
/// only once that Release chunk is applied and final (docs/ARCHITECTURE.md, protocol v2, guarantee 1).
/// </summary>
public sealed record SettlementChunk(ChainId ChainId, ulong EpochId, uint Index, Bytes32 BatchRoot, ChunkStage Stage, IReadOnlyList<SettlementAction> Actions)
{
    /// <summary>For a payout chunk, the Release chunk on the origin chain that must be final first; otherwise null.</summary>
    public ChunkReference? AwaitsRelease { get; init; }

    public ChunkReference Reference => new(ChainId, Index);

    /// <summary>keccak256 of the chunk's leaves concatenated, in chunk order.</summary>
    public Bytes32 ChunkHash() => SettlementLeaf.ChunkHash(SettlementLeaf.Hashes(ChainId, EpochId, Actions));
}
