// The namespace is part of the wire format of the bus: never rename or move these messages.
namespace DiscreteExec.Core.Messages;

/// <summary>A reference price as a manifest states it: numeraire per whole token (scaled 1e18), its feed and observation time.</summary>
public sealed record ProposedPrice(string AssetId, UInt256 Price, string Source, long ObservedAtUnixMilliseconds);

/// <summary>A chain cursor as a manifest states it (EVM: block number and hash; Solana: slot and signature).</summary>
public sealed record ProposedCursor(ChainId ChainId, ulong Height, string Hash);

/// <summary>A pool balance the proposer's clearing may use (the chain's balance capped by the margin engine's cap).</summary>
public sealed record ProposedPool(ChainId ChainId, Bytes32 Token, UInt256 Balance);

/// <summary>
/// Published on the network exchange by epoch k's proposer: the manifest (every input of the clearing, each
/// checkable by a verifier), its hash (keccak256 of the canonical manifest JSON) and the batch root the proposer's
/// own clearing of it gives.
/// </summary>
public sealed record EpochProposed
{
    public required ulong EpochId { get; init; }

    /// <summary>The proposer's index in the configured operator list (k mod N, or a later index after timeouts).</summary>
    public required int ProposerIndex { get; init; }

    public required string ProposerId { get; init; }

    public required ulong ClosesAt { get; init; }

    public required uint FeeBps { get; init; }

    public required uint SpreadBps { get; init; }

    public required ulong SettlementMarginSeconds { get; init; }

    public required IReadOnlyList<ProposedPrice> Prices { get; init; }

    public required IReadOnlyList<ProposedCursor> Cursors { get; init; }

    /// <summary>Every intent open and final at or before the cursors, deferred ones carried over included, in id order.</summary>
    public required IReadOnlyList<Bytes32> IntentIds { get; init; }

    public required IReadOnlyList<ProposedPool> Pools { get; init; }

    public required Bytes32 ManifestHash { get; init; }

    public required Bytes32 BatchRoot { get; init; }

    /// <summary>
    /// The round of the epoch this manifest proposes for (0 first). A round whose roots provably cannot reach the
    /// threshold is left for the next, whose batch roots are bound to its number (so no signature of one round counts
    /// for a root of another).
    /// </summary>
    public uint Round { get; init; }

    /// <summary>
    /// The proposer's 65-byte r‖s‖v signature, with its operator EVM key, of the EIP-712 struct
    /// <c>EpochProposal(uint64 epochId, uint32 round, uint32 proposerIndex, bytes32 manifestHash)</c> under the operator
    /// set's domain, which names no chain and is salted with the deployment and its operator set (a manifest signed for
    /// one deployment does not verify in another with the same keys).
    /// Verifiers keep a manifest only when it recovers to the configured address of the operator at the index.
    /// </summary>
    public byte[]? ProposerSignature { get; init; }
}

/// <summary>
/// Published by a verifier that recomputed the batch and chose its root: one operator's attestation of one chunk
/// (EVM: the 65-byte r‖s‖v EIP-712 signature of <see cref="Digest"/>; Solana: the 64-byte Ed25519 signature of
/// <see cref="Digest"/>, a domain-separated hash of chain, escrow program, epoch, chunk, chunk hash and root, which
/// tells the other operators this one will co-sign that chunk's settle transaction when asked).
/// </summary>
public sealed record LegAttested
{
    public required ulong EpochId { get; init; }

    public required ChainId ChainId { get; init; }

    public required uint Chunk { get; init; }

    public required Bytes32 BatchRoot { get; init; }

    public required Bytes32 Digest { get; init; }

    /// <summary>The signer as the chain writes it (EVM: 0x address; Solana: base58 public key).</summary>
    public required string Signer { get; init; }

    public required byte[] Signature { get; init; }

    /// <summary>EVM: the escrow's signer-set version the signature names; Solana: 0.</summary>
    public ulong SignerSetVersion { get; init; }
}

/// <summary>One action of a chunk as a co-sign request carries it (the fields of its settlement leaf).</summary>
public sealed record CoSignAction(Settlement.ActionKind Kind, Bytes32 IntentId, Bytes32 Token, Bytes32 Account, UInt256 Amount);

/// <summary>
/// Published by the operator that submits a Solana chunk: the settle transaction message it built (fresh blockhash,
/// its own fee payer and attestor, and the operators it asks), and the chunk it claims the message settles. Each asked
/// operator signs the message only if the chunk is one it attested itself and the message is exactly that chunk's
/// settle; it answers with <see cref="SettleCoSigned"/>.
/// </summary>
public sealed record SettleCoSignRequested
{
    public required Guid RequestId { get; init; }

    /// <summary>The requesting operator's id.</summary>
    public required string RequesterId { get; init; }

    public required ulong EpochId { get; init; }

    public required ChainId ChainId { get; init; }

    public required uint Chunk { get; init; }

    public required Bytes32 BatchRoot { get; init; }

    public required IReadOnlyList<CoSignAction> Actions { get; init; }

    /// <summary>The serialized transaction message to sign.</summary>
    public required byte[] Message { get; init; }

    /// <summary>The operators asked, by their signer key on the chain (base58).</summary>
    public required IReadOnlyList<string> CoSigners { get; init; }
}

/// <summary>An operator's Ed25519 signature of a <see cref="SettleCoSignRequested"/> message, with its signer key (base58).</summary>
public sealed record SettleCoSigned
{
    public required Guid RequestId { get; init; }

    public required ulong EpochId { get; init; }

    public required ChainId ChainId { get; init; }

    public required uint Chunk { get; init; }

    public required string Signer { get; init; }

    public required byte[] Signature { get; init; }
}

/// <summary>What a verifier found wrong with a manifest.</summary>
public enum ManifestFault
{
    UnknownIntent,
    IntentNotFinal,
    MissingIntent,
    PoolMismatch,
    PriceOutsideTolerance,
    ManifestHashMismatch,
    BatchRootMismatch,
    RootAlreadyChosen,
    WrongProposer,

    /// <summary>The manifest cannot be compared at all: a null list or entry, a repeated chain, asset, intent or pool.</summary>
    MalformedManifest,

    /// <summary>Its fee, spread or settlement margin is not the verifier's own.</summary>
    TermsMismatch,

    /// <summary>Its close time is beyond the tolerance of the verifier's clock, or not after the previous epoch's.</summary>
    ClosesAtOutOfRange,

    /// <summary>
    /// A cursor the verifier's watchers cannot reach: on a chain it does not settle, or still ahead of its watcher a full
    /// proposal timeout after the proposer's turn came (a height no chain may ever reach must not hold the epoch).
    /// </summary>
    CursorUnreachable,

    /// <summary>The verifier cannot read a pool as of the manifest's cursor on its chain (a chain without history whose pool moved since).</summary>
    PoolUnknownAtCursor,
}

/// <summary>
/// Published by a verifier that refuses a manifest: which intent, pool or price differs from its own view, with
/// both values; the epoch is then proposed by the next index after the timeout.
/// </summary>
public sealed record ManifestRefused
{
    public required ulong EpochId { get; init; }

    public required Bytes32 ManifestHash { get; init; }

    public required int ProposerIndex { get; init; }

    public required string VerifierId { get; init; }

    public required ManifestFault Fault { get; init; }

    /// <summary>What differs: an intent id, "chain/token" of a pool, an asset id, or the root.</summary>
    public required string Subject { get; init; }

    /// <summary>The manifest's value (empty when it lists nothing for the subject).</summary>
    public required string Proposed { get; init; }

    /// <summary>The verifier's own value (empty when it knows nothing of the subject).</summary>
    public required string Observed { get; init; }

    /// <summary>The round of the epoch the refused manifest proposes for (0 first; absent on the wire means 0).</summary>
    public uint Round { get; init; }
}
