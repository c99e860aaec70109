using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Watching;

/// <summary>A processed block whose hash is kept for reorg detection, with the intents reported from it.</summary>
public sealed record ProcessedBlock(ulong Number, Bytes32 Hash, IReadOnlyList<Bytes32> IntentIds);

/// <summary>
/// Where a watcher stands: every block below <see cref="NextBlock"/> has been reported; <see cref="RecentBlocks"/>
/// (ascending) are the hashes it saw, for detecting a reorg after a restart too. <see cref="NextNonce"/> is the
/// escrow's lowest deposit nonce not yet emitted (all below it were; null in a fresh or older checkpoint: the
/// watcher then takes the escrow's counter at block <c>NextBlock - 1</c>), and <see cref="EmittedAbove"/> the nonces
/// above it already emitted, so a restart re-checks every gap and never emits a nonce twice. <see cref="HaltedBecause"/>
/// is set when a block treated as final was reorganised out (<see cref="FinalityBreach"/>): the watcher then reads
/// nothing more, also after a restart, until an operator removes it. <see cref="NextReport"/> is the report sequence
/// the next observation or retraction gets (null in an older checkpoint: taken from the head then).
/// </summary>
public sealed record WatcherCheckpoint(
    ulong NextBlock,
    IReadOnlyList<ProcessedBlock> RecentBlocks,
    ulong? NextNonce = null,
    IReadOnlyList<ulong>? EmittedAbove = null,
    string? HaltedBecause = null,
    ulong? NextReport = null);
