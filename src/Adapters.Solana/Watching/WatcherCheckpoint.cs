namespace DiscreteExec.Adapters.Solana.Watching;

/// <summary>
/// How far the watcher got: the newest program transaction it has fully processed (the <c>until</c> bound of the
/// next poll) and the next deposit nonce: every nonce below it was reported (the highest contiguous nonce + 1; the
/// watcher closes a gap before it reports a nonce above it). Nonces are assigned by the program in execution order, so
/// the nonce mark keeps reporting exactly-once even if the node no longer knows <see cref="LastSignature"/>, and a
/// restart re-checks any gap against the escrow's deposit counter.
/// </summary>
public sealed record WatcherCheckpoint(string? LastSignature, ulong LastSlot, ulong NextNonce)
{
    public static WatcherCheckpoint Start { get; } = new(null, 0, 0);
}
