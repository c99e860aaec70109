namespace DiscreteExec.Core.Chains;

/// <summary>What an escrow says about an intent it holds (origin side).</summary>
public enum EscrowIntentState : byte
{
    /// <summary>The escrow has no deposit with this id.</summary>
    Unknown = 0,

    /// <summary>Deposited, neither released nor refunded.</summary>
    Open = 1,

    /// <summary>Released into the pool by a settled chunk.</summary>
    Released = 2,

    /// <summary>Refunded by a settled chunk or taken back by its depositor after the deadline and grace.</summary>
    Refunded = 3,
}

/// <summary>
/// Reads an escrow's state, for the margin engine (pool balances after settlement), for the check of every intent's
/// fate against the chains and for a node's start on an empty store. Reads at the chain's configured finality unless
/// a member says otherwise.
/// </summary>
public interface IEscrowState
{
    ChainId ChainId { get; }

    ChainKind Kind { get; }

    /// <summary>The pool's balance of a token (native units).</summary>
    Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken);

    /// <summary>
    /// The pool's balance of a token as of <paramref name="cursor"/>, a watcher's cursor on this chain (the block or
    /// slot a manifest names), so that every operator reads the same figure for a manifest however late it reads. A
    /// chain that keeps history reads it there; one that does not answers only while the pool is provably unchanged
    /// since the cursor, and otherwise throws <see cref="PoolNotAtCursorException"/> (as a reader that implements no
    /// such read does).
    /// </summary>
    Task<UInt256> PoolBalanceAtAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken) =>
        throw new PoolNotAtCursorException($"Chain {ChainId}: this escrow reader cannot read pool {token} as of cursor {cursor?.Height}.");

    /// <summary>The state of an intent whose origin is this chain.</summary>
    Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken);

    /// <summary>Whether this chain (the intent's destination) has paid the intent's Payout.</summary>
    Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken);

    /// <summary>
    /// The highest epoch id of any chunk this escrow has applied (0 when none), read at the chain's newest state rather
    /// than its finality: a node starting with an empty store opens its first epoch above it, so no (epoch, chunk) it
    /// plans can collide with one an earlier node already applied.
    /// </summary>
    Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken);
}

/// <summary>A pool's balance as of a cursor cannot be told any more (the chain keeps no history and the pool moved since), or not yet (the chain has not reached it).</summary>
public sealed class PoolNotAtCursorException(string message) : Exception(message);
