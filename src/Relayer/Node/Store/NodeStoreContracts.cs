using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Store;

// The node's durable state, as the epoch loop, the bus consumers and (later) the HTTP API see it. One implementation
// runs on the Redis API (an external Redis or the embedded server, src/Relayer/Node/Store/README.md lists the keys);
// unit tests of one class may use an in-memory fake. Every write of the active node carries its lease's fencing
// token: a write with a stale token is refused with LeaseLostException and changes nothing.

/// <summary>Where an intent stands in this node's view.</summary>
internal enum IntentStage : byte
{
    /// <summary>Observed and final; waits for the next epoch to close (also after being deferred).</summary>
    Open = 0,

    /// <summary>In a closed epoch whose batch is not yet settled.</summary>
    InEpoch = 1,

    /// <summary>Its payout is final on the destination chain.</summary>
    Filled = 2,

    /// <summary>Its refund is final on the origin chain.</summary>
    Refunded = 3,

    /// <summary>Reorganised out of its chain before any epoch took it.</summary>
    Retracted = 4,
}

/// <summary>One intent as stored: what the watcher saw, where it stands, in which epoch, how often it was deferred.</summary>
internal sealed record StoredIntent(IntentObserved Observed, IntentStage Stage, ulong? EpochId, int TimesDeferred, long ArrivalSequence)
{
    /// <summary>
    /// The intent's block was reorganised out while an epoch held it (InEpoch) and no later observation has been
    /// applied since: when the epoch returns it to the book it becomes Retracted, not Open.
    /// </summary>
    public bool RetractionHeld { get; init; }
}

/// <summary>The intents' stage changes an epoch step makes, written together.</summary>
internal sealed record IntentTransition(Bytes32 IntentId, IntentStage Stage, ulong? EpochId, bool Deferred);

/// <summary>A fencing token of the lease: a number that only grows; the store refuses writes carrying an older one.</summary>
internal readonly record struct LeaseToken(string NodeId, long Fence);

/// <summary>The active node's lease was taken over (or expired and was taken): the write was refused.</summary>
internal sealed class LeaseLostException(string message) : Exception(message);

/// <summary>Intake: written by the bus consumers, read by the epoch loop and the API.</summary>
internal interface IIntentStore
{
    /// <summary>
    /// Stores a newly observed intent as Open. A Retracted intent observed again (reorganised out, then back in) is
    /// Open again with the new observation (true). False when the id is otherwise already known: a redelivery changes
    /// nothing; an Open intent seen in another block (the same deposit in a new fork) takes the new observation.
    /// </summary>
    Task<bool> AddAsync(IntentObserved observed, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an Open intent Retracted. False when unknown, no longer Open, or when the retraction names a block
    /// (<see cref="IntentRetracted.BlockHash"/>) other than the stored observation's. An InEpoch intent's retraction of
    /// its block is held (<see cref="StoredIntent.RetractionHeld"/>, false is returned): a move back to Open makes it
    /// Retracted instead, unless a later observation came first.
    /// </summary>
    Task<bool> RetractAsync(IntentRetracted retracted, CancellationToken cancellationToken);

    Task<StoredIntent?> GetAsync(Bytes32 intentId, CancellationToken cancellationToken);

    /// <summary>
    /// The intents of <paramref name="intentIds"/>, in their order (null for an unknown id). The default reads them one
    /// by one; <c>RedisIntentStore</c> reads them in one pipelined round trip (an epoch step reads thousands).
    /// </summary>
    async Task<IReadOnlyList<StoredIntent?>> GetManyAsync(IReadOnlyList<Bytes32> intentIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(intentIds);
        var intents = new StoredIntent?[intentIds.Count];
        for (var i = 0; i < intents.Length; i++)
        {
            intents[i] = await GetAsync(intentIds[i], cancellationToken).ConfigureAwait(false);
        }

        return intents;
    }

    /// <summary>Every Open intent, ordered by intent id.</summary>
    Task<IReadOnlyList<StoredIntent>> OpenAsync(CancellationToken cancellationToken);

    /// <summary>How many intents are Open now (cheap: for triggers and metrics).</summary>
    Task<long> OpenCountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies an epoch step's transitions atomically, fenced (a Deferred transition increments TimesDeferred). A move
    /// to Open of an intent whose retraction is held (<see cref="StoredIntent.RetractionHeld"/>) makes it Retracted.
    /// </summary>
    Task TransitionAsync(IReadOnlyList<IntentTransition> transitions, LeaseToken fence, CancellationToken cancellationToken);

    /// <summary>
    /// Moves those of <paramref name="intentIds"/> that are still Open to InEpoch of <paramref name="epochId"/>, fenced,
    /// and returns the ids it moved; an intent no longer Open (retracted, already taken) is left as it is. Check and
    /// move are one atomic step, so a retraction cannot land between them (<c>RedisIntentStore</c>: one fenced script).
    /// </summary>
    Task<IReadOnlyList<Bytes32>> TakeOpenAsync(IReadOnlyList<Bytes32> intentIds, ulong epochId, LeaseToken fence, CancellationToken cancellationToken);
}

/// <summary>Which intents a listing asks for: each filter is optional; <see cref="BeforeArrival"/> is the page cursor.</summary>
internal sealed record IntentQuery(Bytes32? Depositor, Bytes32? Recipient, IntentStage? Stage, long? BeforeArrival, int Limit);

/// <summary>
/// A page of intents, newest arrival first. <see cref="NextBeforeArrival"/> continues the listing (null at its end); a
/// page may hold fewer than the limit when a filter skipped many intents, so follow it until it is null.
/// </summary>
internal sealed record IntentPage(IReadOnlyList<StoredIntent> Intents, long? NextBeforeArrival);

/// <summary>Secondary indexes over the intents (by arrival, depositor, recipient), for the API's listings. Read only.</summary>
internal interface IIntentQueries
{
    Task<IntentPage> ListAsync(IntentQuery query, CancellationToken cancellationToken);
}

/// <summary>The epoch lifecycle of DESIGN: each stage persisted before its effect leaves the node.</summary>
internal enum EpochStage : byte
{
    Open = 0,
    Closed = 1,
    Cleared = 2,
    Attested = 3,
    Released = 4,
    Settled = 5,
    Margined = 6,
}

/// <summary>How far one chunk got. <see cref="Sending"/> is written before the transaction leaves the node.</summary>
internal enum ChunkProgressStage : byte
{
    Planned = 0,
    Sending = 1,
    Applied = 2,
    AlreadyApplied = 3,
    Abandoned = 4,
}

/// <summary>One chunk's progress within an epoch record (written on its own by <see cref="IEpochStore.SaveChunkAsync"/>).</summary>
internal sealed record ChunkProgress(ChainId ChainId, uint Index, ChunkProgressStage Stage, int Attempts, string? TransactionId, string? Error)
{
    /// <summary>Unix milliseconds of the chunk's first Sending (node's TimeProvider); a Release chunk is abandoned only past its deadline from here.</summary>
    public long? FirstSentAtUnixMilliseconds { get; init; }
}

/// <summary>
/// The persisted epoch record. Large parts (the clearing input epoch.json, the batch.json, the manifest) are blobs
/// beside it (<see cref="IEpochStore.SaveBlobAsync"/>), so the record itself stays small to rewrite at every step; each
/// chunk's progress is written on its own (<see cref="IEpochStore.SaveChunkAsync"/>) and merged into
/// <see cref="Chunks"/> when the record is read.
/// </summary>
internal sealed record EpochRecord
{
    public required ulong EpochId { get; init; }

    public required EpochStage Stage { get; init; }

    /// <summary>Unix milliseconds when the epoch opened (from the node's TimeProvider).</summary>
    public required long OpenedAtUnixMilliseconds { get; init; }

    public ulong? ClosesAt { get; init; }

    public string? Trigger { get; init; }

    public Bytes32? ManifestHash { get; init; }

    public Bytes32? BatchRoot { get; init; }

    public int IntentCount { get; init; }

    public int Filled { get; init; }

    public int Refunded { get; init; }

    public int Deferred { get; init; }

    public IReadOnlyList<ChunkProgress> Chunks { get; init; } = [];

    /// <summary>
    /// The round of the epoch this record decides (operator sets: 0 first; a round whose roots provably cannot reach
    /// the threshold moves the epoch to the next). Its blobs and its chosen root are kept per round.
    /// </summary>
    public uint Round { get; init; }

    /// <summary>
    /// The reference prices (asset id to price, scaled 1e18) when the epoch opened: the volatility trigger's baseline,
    /// persisted so that a restart keeps it. Null until the loop first read a price in this epoch.
    /// </summary>
    public IReadOnlyDictionary<string, UInt256>? OpeningPrices { get; init; }

    /// <summary>Unix milliseconds of each stage reached, for latency reports.</summary>
    public IReadOnlyDictionary<EpochStage, long> StageTimes { get; init; } = new Dictionary<EpochStage, long>();
}

/// <summary>Epoch records and their blobs: written only by the active node's epoch loop.</summary>
internal interface IEpochStore
{
    /// <summary>The newest epoch record (the one the loop resumes), or null on a fresh store.</summary>
    Task<EpochRecord?> CurrentAsync(CancellationToken cancellationToken);

    Task<EpochRecord?> GetAsync(ulong epochId, CancellationToken cancellationToken);

    /// <summary>Writes the record (and makes it current when its id is the newest), fenced.</summary>
    Task SaveAsync(EpochRecord record, LeaseToken fence, CancellationToken cancellationToken);

    /// <summary>
    /// Writes one chunk's progress, fenced, without rewriting the record: its cost does not grow with the epoch's
    /// chunks. <see cref="GetAsync"/> and <see cref="CurrentAsync"/> return the record with every chunk's latest
    /// progress merged into <see cref="EpochRecord.Chunks"/> (a chunk written here wins over the record's copy of it,
    /// so a later <see cref="SaveAsync"/> of an older copy does not undo it). The chunk belongs in the record's plan
    /// (saved at Attested); one the record does not list is returned after the listed ones.
    /// </summary>
    Task SaveChunkAsync(ulong epochId, ChunkProgress progress, LeaseToken fence, CancellationToken cancellationToken);

    /// <summary>Stores a named blob of an epoch ("take", "manifest", "input", "batch", "margin"), fenced. Write-once: a second write of different bytes throws.</summary>
    Task SaveBlobAsync(ulong epochId, string name, ReadOnlyMemory<byte> content, LeaseToken fence, CancellationToken cancellationToken);

    Task<byte[]?> GetBlobAsync(ulong epochId, string name, CancellationToken cancellationToken);

    /// <summary>
    /// Records the one batch root this node will ever attest for an epoch (SET NX): returns the root already chosen
    /// when there is one, which the caller must use instead (never a second batch for an epoch).
    /// </summary>
    Task<Bytes32> ChooseRootOnceAsync(ulong epochId, Bytes32 batchRoot, CancellationToken cancellationToken);

    /// <summary>
    /// The batch root this node chose for an epoch (<see cref="ChooseRootOnceAsync(ulong, Bytes32, CancellationToken)"/>), or null when it chose none: a
    /// read only, it chooses nothing. This operator's own keys sign chunks of that root alone (a node that follows
    /// another root a threshold of the others attested submits it with their signatures, never its own).
    /// </summary>
    Task<Bytes32?> ChosenRootAsync(ulong epochId, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="ChooseRootOnceAsync(ulong, Bytes32, CancellationToken)"/> for one round of the epoch: one root per
    /// (epoch, round), ever. Round 0 is the epoch's own record (the same key), so stored choices stay readable.
    /// </summary>
    Task<Bytes32> ChooseRootOnceAsync(ulong epochId, uint round, Bytes32 batchRoot, CancellationToken cancellationToken);

    /// <summary>The batch root this node chose in one round of the epoch, or null (a read only).</summary>
    Task<Bytes32?> ChosenRootAsync(ulong epochId, uint round, CancellationToken cancellationToken);
}

/// <summary>An event as logged: its gapless sequence number (the SSE cursor), its type name and its JSON.</summary>
internal sealed record LoggedEvent(long Sequence, string EventId, string Type, string Json);

/// <summary>The append-only integrator event log with gapless sequence numbers (sorted set + Lua + PUBLISH).</summary>
internal interface IEventLog
{
    /// <summary>Appends the event unless its id is already logged; returns its sequence number either way.</summary>
    Task<long> AppendAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Appends the events in their order, each as <see cref="AppendAsync"/> does (not all or nothing: a failure
    /// part way leaves a prefix logged, and appending them all again is safe). The default appends one by one;
    /// <c>RedisEventLog</c> pipelines the appends in one round trip.
    /// </summary>
    async Task AppendManyAsync(IReadOnlyList<IIntegratorEvent> integratorEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvents);
        foreach (var integratorEvent in integratorEvents)
        {
            await AppendAsync(integratorEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Events with sequence numbers after <paramref name="afterSequence"/>, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<LoggedEvent>> ReadAsync(long afterSequence, int max, CancellationToken cancellationToken);

    /// <summary>The newest sequence number (0 when empty).</summary>
    Task<long> HeadAsync(CancellationToken cancellationToken);

    /// <summary>Completes when an event after <paramref name="afterSequence"/> exists (woken by PUBLISH, re-checked on reconnect).</summary>
    Task WaitForAsync(long afterSequence, CancellationToken cancellationToken);
}

/// <summary>The lease that keeps one replica of an operator active (SET NX PX plus a fencing token).</summary>
internal interface INodeLease
{
    /// <summary>Takes the lease if free (or already ours); null when another node holds it.</summary>
    Task<LeaseToken?> TryAcquireAsync(string nodeId, TimeSpan timeToLive, CancellationToken cancellationToken);

    /// <summary>Extends our lease; false when it was lost (the caller stops writing).</summary>
    Task<bool> RenewAsync(LeaseToken token, TimeSpan timeToLive, CancellationToken cancellationToken);

    Task ReleaseAsync(LeaseToken token, CancellationToken cancellationToken);
}

/// <summary>
/// Publishes an integrator event: appends it to the event log first (the durable record, deduplicated by event id),
/// then publishes it on the bus. Safe to call again for the same event after a crash.
/// </summary>
internal interface IIntegratorEventPublisher
{
    Task PublishAsync(IIntegratorEvent integratorEvent, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the events in their order (an epoch step's IntentSettled/IntentRefunded/IntentDeferred), each logged
    /// before it goes on the bus. The default publishes one by one; the node's publisher logs them all in one round trip first.
    /// </summary>
    async Task PublishManyAsync(IReadOnlyList<IIntegratorEvent> integratorEvents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(integratorEvents);
        foreach (var integratorEvent in integratorEvents)
        {
            await PublishAsync(integratorEvent, cancellationToken).ConfigureAwait(false);
        }
    }
}
